using Cluster.Api.Http;
using Cluster.Api.Produce;
using Cluster.Api.Transactions;
using Cluster.Domain.Client;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Domain.Replication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Api.Endpoints;

/// <summary>POST /v1/topics/{topic}/records: parse into batches, append each partition's in parallel, answer the offsets in request order.</summary>
public static class ProduceEndpoints
{
    public static void Map(WebApplication app) => app.MapPost("/v1/topics/{topic}/records", (RequestDelegate)Produce);

    private static async Task Produce(HttpContext context)
    {
        var node = NodeAccess.Ready(context);
        var services = context.RequestServices;
        var settings = services.GetRequiredService<ApiSettings>();
        var topic = TopicEndpoints.FindTopic(node, RequestParameters.Route(context, "topic"));

        ParsedProduce request;
        using (var body = await RequestBody.ReadAsync(context, settings.MaxBodyBytes))
        {
            var target = new ProduceTarget(topic.Name, topic.Partitions.Length,
                services.GetRequiredService<NullKeyPartitioner>().Next(topic), topic.Config.MaxMessageBytes,
                DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            request = ProduceRequestParser.Parse(body.Span, target);
        }

        // A transactional produce joins the id's open transaction first (beginning one); its lease
        // holds the transaction's markers back until the appends are over.
        var options = request.Options;
        if (options.TransactionalId is not null && options.Acks == Acks.None)
            // Unacknowledged, the batch could land after the transaction's markers: Kafka's transactional producers use acks=all.
            throw ApiException.BadRequest("A transactional produce needs acks \"all\" (or \"1\"), not \"0\"");
        var transaction = options.TransactionalId is { } transactionalId
            ? await TransactionalProduce.JoinAsync(node, transactionalId, options.ProducerId!.Value, options.ProducerEpoch!.Value,
                request.Partitions.Select(p => new TopicPartition(topic.Name, p.Partition)).ToList(), context.RequestAborted)
            : null;

        // Once appends start, they finish even if the client goes away: a request is written whole or fails on its own.
        var acks = options.Acks;
        var appends = new Task<PartitionOutcome>[request.Partitions.Count];
        for (var slot = 0; slot < appends.Length; slot++)
            appends[slot] = AppendAsync(node.Gateway, topic.Name, request.Partitions[slot], acks, options.TransactionalId);
        PartitionOutcome[] outcomes;
        try
        {
            outcomes = await Task.WhenAll(appends);
        }
        finally
        {
            if (transaction is not null) await transaction.DisposeAsync();
        }

        foreach (var outcome in outcomes)
            if (outcome.Failure is { } failure)
                throw new ApiException(failure.Error, failure.Message
                    ?? $"Producing to {topic.Name}-{outcome.Partition} failed: {failure.Error.KafkaName()}");

        if (acks == Acks.None)
        {
            await ApiJson.WriteAsync(context, StatusCodes.Status202Accepted, w =>
            {
                w.WriteStartObject();
                w.WriteEndObject();
            });
            return;
        }

        await ApiJson.WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("offsets");
            foreach (var record in request.Records)
            {
                var outcome = outcomes[record.Slot];
                w.WriteStartObject();
                w.WriteNumber("partition", outcome.Partition);
                w.WriteNumber("offset", outcome.BaseOffsets[record.Batch] + record.OffsetDelta);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private sealed record PartitionOutcome(int Partition, long[] BaseOffsets, ProduceResult? Failure);

    /// <summary>One partition's batches, one after the other (their order is the records' order); stops at the first failure.</summary>
    private static async Task<PartitionOutcome> AppendAsync(BrokerGateway gateway, string topic, PartitionBatches partition, Acks acks,
        string? transactionalId)
    {
        var baseOffsets = new long[partition.Batches.Count];
        for (var i = 0; i < baseOffsets.Length; i++)
        {
            var result = await gateway.ProduceAsync(topic, partition.Partition, partition.Batches[i], acks, transactionalId: transactionalId);
            if (result.Error != ErrorCode.None) return new PartitionOutcome(partition.Partition, baseOffsets, result);
            baseOffsets[i] = result.BaseOffset;
        }
        return new PartitionOutcome(partition.Partition, baseOffsets, null);
    }
}
