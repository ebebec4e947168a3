using Cluster.Api.Http;
using Cluster.Domain.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Api.Endpoints;

/// <summary>GET /v1/health: 200 once this node is a cluster member that can serve requests, 503 before.</summary>
public static class HealthEndpoints
{
    public static void Map(WebApplication app) => app.MapGet("/v1/health", (RequestDelegate)Health);

    private static Task Health(HttpContext context)
    {
        var settings = context.RequestServices.GetRequiredService<ApiSettings>();
        var node = context.RequestServices.GetRequiredService<IBrokerNodeAccessor>().Current;
        var brokerId = node?.BrokerId ?? settings.BrokerId;
        if (node is not null && node.IsReady)
            return ApiJson.WriteAsync(context, StatusCodes.Status200OK, w =>
            {
                w.WriteStartObject();
                w.WriteString("status", "up");
                w.WriteNumber("brokerId", brokerId);
                w.WriteEndObject();
            });

        return ApiJson.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, w =>
        {
            w.WriteStartObject();
            w.WriteString("error", ErrorCode.LeaderNotAvailable.KafkaName());
            w.WriteString("message", node is null
                ? $"Broker {brokerId} is starting or rejoining the cluster"
                : $"Broker {brokerId} is not yet an Up member of the cluster with its metadata");
            w.WriteString("status", "starting");
            w.WriteNumber("brokerId", brokerId);
            w.WriteEndObject();
        });
    }
}
