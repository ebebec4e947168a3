using Akka.Configuration;
using Cluster.Api.Endpoints;
using Cluster.Api.Http;
using Cluster.Api.Produce;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Api;

/// <summary>
/// The HTTP API of contract section 2 (minimal APIs on Kestrel). Every handler is a plain
/// <c>RequestDelegate</c> that parses its own parameters, so that every refusal is the
/// contract's JSON error, never ASP.NET's binding errors. One file per area in Endpoints/;
/// consumer groups and producers/transactions add theirs the same way.
/// </summary>
public static class ClusterApi
{
    public static IServiceCollection AddClusterApi(this IServiceCollection services, Config config)
    {
        var settings = ApiSettings.From(config);
        services.AddSingleton(settings);
        services.AddSingleton<NullKeyPartitioner>();
        // Kestrel enforces the body limit on chunked bodies too; RequestBody refuses a too large Content-Length up front.
        services.Configure<KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = settings.MaxBodyBytes);
        return services;
    }

    public static WebApplication MapClusterApi(this WebApplication app)
    {
        app.UseMiddleware<ErrorHandlingMiddleware>();
        // Unknown routes (404) and known routes with another method (405) get the JSON error body too.
        app.UseStatusCodePages(RouteErrors.WriteAsync);

        HealthEndpoints.Map(app);
        ClusterEndpoints.Map(app);
        TopicEndpoints.Map(app);
        ProduceEndpoints.Map(app);
        FetchEndpoints.Map(app);
        ReplicaEndpoints.Map(app);
        GroupEndpoints.Map(app);
        ProducerEndpoints.Map(app);
        LiveView.LiveViewEndpoints.Map(app);
        Metrics.MetricsEndpoints.Map(app);
        return app;
    }
}
