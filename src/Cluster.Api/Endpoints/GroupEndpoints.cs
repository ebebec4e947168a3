using Cluster.Api.Groups;
using Cluster.Api.Http;
using Cluster.Domain.Groups;
using Cluster.Domain.Hosting;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Domain.Replication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Api.Endpoints;

/// <summary>
/// Consumer groups (contract, "Consumer groups"): offsets, membership, describe; plus
/// <c>GET /v1/groups</c> (the group ids, for the CLI and tools). Every request goes to the
/// group's coordinator wherever it runs; an unreachable or moving coordinator is retried
/// within the request timeout, then 503 COORDINATOR_NOT_AVAILABLE.
/// </summary>
public static class GroupEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/v1/groups", (RequestDelegate)List);
        app.MapGet("/v1/groups/{group}", (RequestDelegate)Describe);
        app.MapPost("/v1/groups/{group}/offsets", (RequestDelegate)Commit);
        app.MapGet("/v1/groups/{group}/offsets", (RequestDelegate)FetchOffsets);
        app.MapPost("/v1/groups/{group}/members", (RequestDelegate)Join);
        app.MapPost("/v1/groups/{group}/members/{memberId}/heartbeat", (RequestDelegate)Heartbeat);
        app.MapDelete("/v1/groups/{group}/members/{memberId}", (RequestDelegate)Leave);
    }

    private static async Task List(HttpContext context)
    {
        var (_, groups) = Ready(context);
        var ids = await groups.Registry.ListAsync(context.RequestAborted);
        await ApiJson.WriteAsync(context, StatusCodes.Status200OK, w => GroupResponseWriter.WriteGroupList(w, ids));
    }

    private static async Task Commit(HttpContext context)
    {
        var (_, groups) = Ready(context);
        var group = GroupId(context);
        CommitRequest request;
        using (var body = await RequestBody.ReadAsync(context, Settings(context).MaxBodyBytes))
            request = GroupRequestParser.ParseCommit(body.Span);
        var result = await groups.CommitAsync(new CommitOffsets(group, request.MemberId, request.Generation, request.Offsets), context.RequestAborted);
        ThrowIfFailed(result);
        await ApiJson.WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteEndObject();
        });
    }

    private static async Task FetchOffsets(HttpContext context)
    {
        var (_, groups) = Ready(context);
        var group = GroupId(context);
        var topic = RequestParameters.Query(context, "topic");
        var result = await groups.FetchOffsetsAsync(new FetchOffsets(group, string.IsNullOrEmpty(topic) ? null : topic), context.RequestAborted);
        ThrowIfFailed(result);
        await ApiJson.WriteAsync(context, StatusCodes.Status200OK, w => GroupResponseWriter.WriteOffsets(w, result.Offsets));
    }

    private static async Task Join(HttpContext context)
    {
        var (_, groups) = Ready(context);
        var group = GroupId(context);
        JoinRequest request;
        using (var body = await RequestBody.ReadAsync(context, Settings(context).MaxBodyBytes))
            request = GroupRequestParser.ParseJoin(body.Span, groups.Settings.Policy, groups.Settings.DefaultSessionTimeoutMs);
        // Chosen here, once per request: a retry of this join after a lost answer is the same member.
        var newMemberId = $"consumer-{Guid.NewGuid()}";
        var result = await groups.JoinAsync(new JoinGroup(group, request.MemberId, newMemberId, request.Topics, request.SessionTimeoutMs,
            request.Assignor), context.RequestAborted);
        if (result.Error == ErrorCode.RebalanceInProgress && !string.IsNullOrEmpty(result.MemberId))
        {
            // The member is in the group but the rebalance goes on: tell it who it is, so it can join again with its id.
            await ApiJson.WriteAsync(context, StatusCodes.Status409Conflict, w =>
            {
                w.WriteStartObject();
                w.WriteString("error", ErrorCode.RebalanceInProgress.KafkaName());
                w.WriteString("message", result.Message);
                w.WriteString("memberId", result.MemberId);
                w.WriteEndObject();
            });
            return;
        }
        ThrowIfFailed(result);
        await ApiJson.WriteAsync(context, StatusCodes.Status200OK, w => GroupResponseWriter.WriteJoin(w, result));
    }

    private static async Task Heartbeat(HttpContext context)
    {
        var (_, groups) = Ready(context);
        var group = GroupId(context);
        var member = GroupRequestParser.ValidateMemberId(RequestParameters.Route(context, "memberId"));
        int? generation;
        using (var body = await RequestBody.ReadAsync(context, Settings(context).MaxBodyBytes))
            generation = GroupRequestParser.ParseHeartbeat(body.Span);
        var result = await groups.HeartbeatAsync(new GroupHeartbeat(group, member, generation), context.RequestAborted);
        ThrowIfFailed(result);
        await ApiJson.WriteAsync(context, StatusCodes.Status200OK, w => GroupResponseWriter.WriteHeartbeat(w, result));
    }

    private static async Task Leave(HttpContext context)
    {
        var (_, groups) = Ready(context);
        var group = GroupId(context);
        var member = GroupRequestParser.ValidateMemberId(RequestParameters.Route(context, "memberId"));
        var result = await groups.LeaveAsync(new LeaveGroup(group, member), context.RequestAborted);
        if (result.Error == ErrorCode.UnknownMemberId)
            throw new ApiException(result.Error, result.Message ?? $"'{member}' is not a member of group '{group}'", StatusCodes.Status404NotFound);
        ThrowIfFailed(result);
        await ApiJson.NoContent(context);
    }

    private static async Task Describe(HttpContext context)
    {
        var (node, groups) = Ready(context);
        var group = GroupId(context);
        var description = await groups.DescribeAsync(new DescribeGroup(group), context.RequestAborted);
        ThrowIfFailed(description);
        var ends = await LogEndsAsync(node, description.Offsets.Select(o => o.Partition), context.RequestAborted);
        await ApiJson.WriteAsync(context, StatusCodes.Status200OK, w => GroupResponseWriter.WriteDescription(w, description, ends));
    }

    /// <summary>The high watermark of each partition, asked of the leaders in parallel.</summary>
    private static async Task<IReadOnlyDictionary<TopicPartition, long?>> LogEndsAsync(BrokerNode node, IEnumerable<TopicPartition> partitions,
        CancellationToken cancellation)
    {
        var asks = partitions.Distinct().Select(async tp =>
        {
            if (node.Gateway.FindPartition(tp.Topic, tp.Partition).Error != ErrorCode.None) return (tp, (long?)null);
            var result = await node.Gateway.ListOffsetsAsync(tp.Topic, tp.Partition, ListOffsetsRequest.Latest, IsolationLevel.ReadUncommitted, cancellation);
            return (tp, result.Error == ErrorCode.None ? result.Offset : (long?)null);
        });
        return (await Task.WhenAll(asks)).ToDictionary(e => e.tp, e => e.Item2);
    }

    private static (BrokerNode Node, GroupCoordination Groups) Ready(HttpContext context)
    {
        var node = NodeAccess.Ready(context);
        return (node, GroupCoordination.For(node.System));
    }

    private static string GroupId(HttpContext context) => GroupRequestParser.ValidateGroupId(RequestParameters.Route(context, "group"));

    private static ApiSettings Settings(HttpContext context) => context.RequestServices.GetRequiredService<ApiSettings>();

    /// <summary>
    /// The coordinator's refusal as the contract's error. Kafka's INVALID_SESSION_TIMEOUT and
    /// OFFSET_METADATA_TOO_LARGE are not among the contract's 400 names: INVALID_REQUEST with
    /// the Kafka name in the message. A coordinator still loading is COORDINATOR_NOT_AVAILABLE.
    /// </summary>
    private static void ThrowIfFailed(IGroupResult result)
    {
        if (result.Error == ErrorCode.None) return;
        var message = result.Message ?? result.Error.KafkaName();
        throw result.Error switch
        {
            ErrorCode.InvalidSessionTimeout or ErrorCode.OffsetMetadataTooLarge or ErrorCode.InvalidGroupId =>
                new ApiException(ErrorCode.InvalidRequest, $"{message} (Kafka: {result.Error.KafkaName()})"),
            ErrorCode.CoordinatorLoadInProgress or ErrorCode.NotCoordinator => new ApiException(ErrorCode.CoordinatorNotAvailable, message),
            _ => new ApiException(result.Error, message),
        };
    }
}
