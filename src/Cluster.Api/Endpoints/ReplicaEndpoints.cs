using Cluster.Api.Fetch;
using Cluster.Api.Http;
using Cluster.Api.Produce;
using Cluster.Domain.Protocol;
using Cluster.Domain.Replication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Api.Endpoints;

/// <summary>
/// GET .../partitions/{p}/replicas/{broker}/records: what one broker's replica holds, up to
/// its own log end, leader or not (Kafka's replica verification tool, over HTTP). For
/// operators checking that replicas agree; consumers use the fetch endpoint.
/// </summary>
public static class ReplicaEndpoints
{
    public static void Map(WebApplication app) =>
        app.MapGet("/v1/topics/{topic}/partitions/{partition}/replicas/{broker}/records", (RequestDelegate)ReadReplica);

    private static async Task ReadReplica(HttpContext context)
    {
        var node = NodeAccess.Ready(context);
        var topic = RequestParameters.Route(context, "topic");
        var partition = RequestParameters.RouteInt32(context, "partition");
        var broker = RequestParameters.RouteInt32(context, "broker");
        var settings = context.RequestServices.GetRequiredService<ApiSettings>();
        var offset = RequestParameters.QueryInt64(context, "offset", 0, 0, long.MaxValue);
        var maxRecords = RequestParameters.QueryInt32(context, "maxRecords", FetchEndpoints.DefaultMaxRecords, 1, int.MaxValue);
        var maxBytes = Math.Min(RequestParameters.QueryInt32(context, "maxBytes", FetchEndpoints.DefaultMaxBytes, 1, int.MaxValue), settings.MaxFetchBytes);
        var encoding = RequestParameters.QueryChoice(context, "encoding", "utf8", "utf8", "base64") == "base64"
            ? PayloadEncoding.Base64
            : PayloadEncoding.Utf8;

        var result = await node.Gateway.ReadReplicaAsync(topic, partition, broker, offset, maxBytes, context.RequestAborted);
        if (result.Error != ErrorCode.None)
            throw new ApiException(result.Error, result.Message ?? $"Reading broker {broker}'s replica of {topic}-{partition} failed");

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = ApiJson.ContentType;
        await using (var writer = new System.Text.Json.Utf8JsonWriter(context.Response.BodyWriter, ApiJson.WriterOptions))
            FetchResponseWriter.Write(writer, result, new FetchOptions(offset, maxRecords, maxBytes, IsolationLevel.ReadUncommitted, encoding));
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }
}
