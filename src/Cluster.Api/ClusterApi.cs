using Akka.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Api;

public static class ClusterApi
{
    public static IServiceCollection AddClusterApi(this IServiceCollection services, Config config) => services;

    public static WebApplication MapClusterApi(this WebApplication app) => app;
}
