using Cluster.Api.Fetch;
using Cluster.Api.Http;
using Cluster.Api.Produce;
using Cluster.Domain.Controller;
using Cluster.Domain.Hosting;
using Cluster.Domain.Protocol;
using Cluster.Domain.Replication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Api.Endpoints;

/// <summary>
/// Reads: GET .../partitions/{p}/records (fetch, long-poll with waitMs) and
/// GET .../partitions/{p}/offsets?at=earliest|latest|&lt;ms&gt;.
/// A fetch without <c>offset</c> reads from offset 0.
/// </summary>
public static class FetchEndpoints
{
    public const int DefaultMaxRecords = 500;
    public const int DefaultMaxBytes = 1024 * 1024;
    public const int MaxWaitMs = 30_000;

    public static void Map(WebApplication app)
    {
        app.MapGet("/v1/topics/{topic}/partitions/{partition}/records", (RequestDelegate)Fetch);
        app.MapGet("/v1/topics/{topic}/partitions/{partition}/offsets", (RequestDelegate)Offsets);
    }

    private static async Task Fetch(HttpContext context)
    {
        var node = NodeAccess.Ready(context);
        var (topic, partition) = FindPartition(context, node);
        var settings = context.RequestServices.GetRequiredService<ApiSettings>();

        var offset = RequestParameters.QueryInt64(context, "offset", 0, long.MinValue, long.MaxValue);
        var maxRecords = RequestParameters.QueryInt32(context, "maxRecords", DefaultMaxRecords, 1, int.MaxValue);
        var maxBytes = Math.Min(RequestParameters.QueryInt32(context, "maxBytes", DefaultMaxBytes, 1, int.MaxValue), settings.MaxFetchBytes);
        var isolation = Isolation(context);
        var waitMs = RequestParameters.QueryInt32(context, "waitMs", 0, 0, MaxWaitMs);
        var encoding = RequestParameters.QueryChoice(context, "encoding", "utf8", "utf8", "base64") == "base64"
            ? PayloadEncoding.Base64
            : PayloadEncoding.Utf8;

        var result = await node.Gateway.FetchAsync(topic.Name, partition, offset, maxBytes, isolation, waitMs, context.RequestAborted, maxRecords);
        if (result.Error != ErrorCode.None)
            throw new ApiException(result.Error, result.Message ?? $"Fetching {topic.Name}-{partition} failed: {result.Error.KafkaName()}");

        var options = new FetchOptions(offset, maxRecords, maxBytes, isolation, encoding);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = ApiJson.ContentType;
        await using (var writer = new System.Text.Json.Utf8JsonWriter(context.Response.BodyWriter, ApiJson.WriterOptions))
            FetchResponseWriter.Write(writer, result, options);
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    private static async Task Offsets(HttpContext context)
    {
        var node = NodeAccess.Ready(context);
        var (topic, partition) = FindPartition(context, node);
        var at = ParseAt(RequestParameters.Query(context, "at"));
        var isolation = Isolation(context);

        var result = await node.Gateway.ListOffsetsAsync(topic.Name, partition, at, isolation, context.RequestAborted);
        if (result.Error != ErrorCode.None)
            throw new ApiException(result.Error, result.Message ?? $"Listing offsets of {topic.Name}-{partition} failed: {result.Error.KafkaName()}");
        await ApiJson.WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("offset", result.Offset);
            w.WriteEndObject();
        });
    }

    /// <summary><c>earliest</c> → Kafka's -2, <c>latest</c> → -1, else a timestamp in ms (0 or more).</summary>
    public static long ParseAt(string? at)
    {
        if (at is null) throw ApiException.BadRequest("The query parameter 'at' is required: earliest, latest or a timestamp in ms");
        if (string.Equals(at, "earliest", StringComparison.OrdinalIgnoreCase)) return ListOffsetsRequest.Earliest;
        if (string.Equals(at, "latest", StringComparison.OrdinalIgnoreCase)) return ListOffsetsRequest.Latest;
        if (long.TryParse(at, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ms))
            return ms;
        throw ApiException.BadRequest($"The query parameter 'at' is '{at}'; it must be earliest, latest or a timestamp in ms (0 or more)");
    }

    private static IsolationLevel Isolation(HttpContext context) =>
        RequestParameters.QueryChoice(context, "isolation", "read_uncommitted", "read_uncommitted", "read_committed") == "read_committed"
            ? IsolationLevel.ReadCommitted
            : IsolationLevel.ReadUncommitted;

    private static (TopicMetadata Topic, int Partition) FindPartition(HttpContext context, BrokerNode node)
    {
        var name = RequestParameters.Route(context, "topic");
        var partition = RequestParameters.RouteInt32(context, "partition");
        var (topic, error, message) = node.Gateway.FindPartition(name, partition);
        if (topic is null || error != ErrorCode.None) throw new ApiException(error, message ?? $"{name}-{partition} does not exist");
        return (topic, partition);
    }
}
