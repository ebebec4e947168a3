using Cluster.Api.Http;
using Cluster.Api.Topics;
using Cluster.Domain.Controller;
using Cluster.Domain.Hosting;
using Cluster.Domain.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Api.Endpoints;

/// <summary>Topic administration: create, list, describe, change configs, delete.</summary>
public static class TopicEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/v1/topics", (RequestDelegate)List);
        app.MapPost("/v1/topics", (RequestDelegate)Create);
        app.MapGet("/v1/topics/{topic}", (RequestDelegate)Describe);
        app.MapDelete("/v1/topics/{topic}", (RequestDelegate)Delete);
        app.MapPut("/v1/topics/{topic}/configs", (RequestDelegate)AlterConfigs);
    }

    /// <summary>GET /v1/topics[?internal=true]: names in order; internal (<c>__</c>) topics only when asked for.</summary>
    private static Task List(HttpContext context)
    {
        var node = NodeAccess.Ready(context);
        var includeInternal = RequestParameters.QueryChoice(context, "internal", "false", "true", "false") == "true";
        var topics = node.Gateway.Metadata.Topics.Values;
        return ApiJson.WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("topics");
            foreach (var topic in topics)
                if (includeInternal || !topic.IsInternal) w.WriteStringValue(topic.Name);
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static async Task Create(HttpContext context)
    {
        var node = NodeAccess.Ready(context);
        CreateTopicRequest request;
        using (var body = await RequestBody.ReadAsync(context, Settings(context).MaxBodyBytes))
            request = TopicRequestParser.ParseCreate(body.Span);

        var result = await node.Gateway.ControllerAsync(
            new CreateTopic(request.Name, request.Partitions, request.ReplicationFactor, request.Configs), context.RequestAborted);
        ThrowIfFailed(result, $"Creating topic '{request.Name}' failed");

        var topic = node.Gateway.Metadata.Topic(request.Name)
            ?? throw new ApiException(ErrorCode.UnknownTopicOrPartition, $"Topic '{request.Name}' was deleted right after it was created");
        var statuses = await TopicDescriber.PartitionStatusesAsync(node.Gateway, topic, context.RequestAborted);
        context.Response.Headers.Location = $"/v1/topics/{Uri.EscapeDataString(topic.Name)}";
        await ApiJson.WriteAsync(context, StatusCodes.Status201Created, w => TopicDescriber.Write(w, topic, statuses));
    }

    private static async Task Describe(HttpContext context)
    {
        var node = NodeAccess.Ready(context);
        var topic = FindTopic(node, RequestParameters.Route(context, "topic"));
        var statuses = await TopicDescriber.PartitionStatusesAsync(node.Gateway, topic, context.RequestAborted);
        await ApiJson.WriteAsync(context, StatusCodes.Status200OK, w => TopicDescriber.Write(w, topic, statuses));
    }

    private static async Task Delete(HttpContext context)
    {
        var node = NodeAccess.Ready(context);
        var name = RequestParameters.Route(context, "topic");
        FindTopic(node, name);
        var result = await node.Gateway.ControllerAsync(new DeleteTopic(name), context.RequestAborted);
        ThrowIfFailed(result, $"Deleting topic '{name}' failed");
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>PUT /v1/topics/{topic}/configs: sets the given configs, keeps the others; answers with all of them.</summary>
    private static async Task AlterConfigs(HttpContext context)
    {
        var node = NodeAccess.Ready(context);
        var name = RequestParameters.Route(context, "topic");
        FindTopic(node, name);
        IReadOnlyDictionary<string, string> configs;
        using (var body = await RequestBody.ReadAsync(context, Settings(context).MaxBodyBytes))
            configs = TopicRequestParser.ParseConfigs(body.Span);

        if (configs.Count > 0)
        {
            var result = await node.Gateway.ControllerAsync(new AlterTopicConfigs(name, configs), context.RequestAborted);
            ThrowIfFailed(result, $"Changing the configs of topic '{name}' failed");
        }
        var topic = FindTopic(node, name);
        await ApiJson.WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            TopicDescriber.WriteConfigs(w, topic);
            w.WriteEndObject();
        });
    }

    public static TopicMetadata FindTopic(BrokerNode node, string name) =>
        node.Gateway.Metadata.Topic(name)
        ?? throw new ApiException(ErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist");

    private static void ThrowIfFailed(ControllerResult result, string what)
    {
        if (!result.Ok) throw new ApiException(result.Error, result.Message ?? $"{what}: {result.Error.KafkaName()}");
    }

    private static ApiSettings Settings(HttpContext context) => context.RequestServices.GetRequiredService<ApiSettings>();
}
