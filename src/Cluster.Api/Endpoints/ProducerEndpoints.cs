using Cluster.Api.Http;
using Cluster.Api.Transactions;
using Cluster.Domain.Groups;
using Cluster.Domain.Hosting;
using Cluster.Domain.Protocol;
using Cluster.Domain.Transactions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Api.Endpoints;

/// <summary>
/// Producers and transactions (contract, "Producers and transactions"): producer ids, offsets
/// sent to a transaction, commit and abort; plus <c>GET /v1/transactions/{id}</c> (the id's state,
/// for tools and tests). Every transaction request goes to the id's coordinator wherever it
/// runs; an unreachable or moving coordinator is retried within the request timeout, then 503
/// COORDINATOR_NOT_AVAILABLE. Transactional records are produced through
/// <c>POST /v1/topics/{topic}/records</c> with the <c>transactionalId</c> (see ProduceEndpoints).
/// </summary>
public static class ProducerEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapPost("/v1/producers", (RequestDelegate)InitProducer);
        app.MapGet("/v1/transactions/{transactionalId}", (RequestDelegate)Describe);
        app.MapPost("/v1/transactions/{transactionalId}/offsets", (RequestDelegate)SendOffsets);
        app.MapPost("/v1/transactions/{transactionalId}/commit", context => End(context, commit: true));
        app.MapPost("/v1/transactions/{transactionalId}/abort", context => End(context, commit: false));
    }

    /// <summary>
    /// A null transactional id: a new producer id from this node's block, epoch 0. Otherwise the
    /// id's coordinator: the same producer id with its epoch bumped (a new one the first time, or
    /// when the epochs are exhausted), after aborting the id's open transaction.
    /// </summary>
    private static async Task InitProducer(HttpContext context)
    {
        var (_, transactions) = Ready(context);
        ProducerRequest request;
        using (var body = await RequestBody.ReadAsync(context, Settings(context).MaxBodyBytes))
            request = TransactionRequestParser.ParseProducer(body.Span, transactions.Settings.DefaultTimeoutMs, transactions.Settings.MaxTimeoutMs);

        long producerId;
        short producerEpoch;
        if (request.TransactionalId is null)
        {
            var (error, id) = await transactions.ProducerIds.NextAsync(context.RequestAborted);
            if (error != ErrorCode.None)
                throw new ApiException(error, "No producer id could be allocated: the controller did not answer; retry");
            (producerId, producerEpoch) = (id, 0);
        }
        else
        {
            var result = await transactions.InitProducerIdAsync(request.TransactionalId, request.TransactionTimeoutMs, context.RequestAborted);
            TransactionErrors.ThrowIfFailed(result);
            (producerId, producerEpoch) = (result.ProducerId, result.ProducerEpoch);
        }
        await ApiJson.WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("producerId", producerId);
            w.WriteNumber("producerEpoch", producerEpoch);
            w.WriteEndObject();
        });
    }

    /// <summary>
    /// Kafka's AddOffsetsToTxn then TxnOffsetCommit: the group joins the transaction (beginning
    /// one if none is open), then its coordinator keeps the offsets pending until the outcome.
    /// </summary>
    private static async Task SendOffsets(HttpContext context)
    {
        var (node, transactions) = Ready(context);
        var transactionalId = TransactionalId(context);
        TxnOffsetsRequest request;
        using (var body = await RequestBody.ReadAsync(context, Settings(context).MaxBodyBytes))
            request = TransactionRequestParser.ParseOffsets(body.Span);

        var lease = Guid.NewGuid();
        try
        {
            var added = await transactions.AddOffsetsAsync(transactionalId, request.Producer.ProducerId, request.Producer.ProducerEpoch,
                request.GroupId, lease, context.RequestAborted);
            TransactionErrors.ThrowIfFailed(added);
            var transaction = added.Transaction;
            var committed = await GroupTransactionOffsets.CommitAsync(GroupCoordination.For(node.System), new TxnCommitOffsets(
                request.GroupId, transaction.ProducerId, transaction.ProducerEpoch, transaction.TransactionNumber,
                request.MemberId, request.Generation, request.Offsets), context.RequestAborted);
            TransactionErrors.ThrowIfFailed(committed);
        }
        finally
        {
            transactions.ReleaseLease(transactionalId, lease);
        }
        await Empty(context);
    }

    /// <summary>
    /// Kafka's EndTxn: answered once the outcome is written and every marker is in place (a
    /// read_committed reader then sees the whole transaction or, aborted, none of it). A retry
    /// of a commit that succeeded is 200 again.
    /// </summary>
    private static async Task End(HttpContext context, bool commit)
    {
        var (_, transactions) = Ready(context);
        var transactionalId = TransactionalId(context);
        ProducerIdentity producer;
        using (var body = await RequestBody.ReadAsync(context, Settings(context).MaxBodyBytes))
            producer = TransactionRequestParser.ParseEnd(body.Span);
        // Once per client request: the retries inside the cluster are recognised as this request.
        var requestId = Guid.NewGuid();
        var result = await transactions.EndTransactionAsync(transactionalId, producer.ProducerId, producer.ProducerEpoch, commit, requestId,
            context.RequestAborted);
        TransactionErrors.ThrowIfFailed(result);
        await Empty(context);
    }

    private static async Task Describe(HttpContext context)
    {
        var (_, transactions) = Ready(context);
        var transactionalId = TransactionalId(context);
        var result = await transactions.DescribeAsync(transactionalId, context.RequestAborted);
        TransactionErrors.ThrowIfFailed(result);
        if (result.Metadata is not { } m)
            throw new ApiException(ErrorCode.TransactionalIdNotFound, $"Transactional id '{transactionalId}' was never initialised");
        await ApiJson.WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("transactionalId", m.TransactionalId);
            w.WriteNumber("producerId", m.ProducerId);
            w.WriteNumber("producerEpoch", m.ProducerEpoch);
            w.WriteString("state", m.State.ToString());
            w.WriteNumber("transactionTimeoutMs", m.TimeoutMs);
            w.WriteNumber("transactionNumber", m.TransactionNumber);
            if (m.StartTimestampMs >= 0) w.WriteNumber("transactionStartMs", m.StartTimestampMs);
            w.WriteStartArray("partitions");
            foreach (var tp in m.Partitions)
            {
                w.WriteStartObject();
                w.WriteString("topic", tp.Topic);
                w.WriteNumber("partition", tp.Partition);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("groups");
            foreach (var group in m.Groups) w.WriteStringValue(group);
            w.WriteEndArray();
            w.WriteNumber("coordinator", result.CoordinatorBrokerId);
            w.WriteEndObject();
        });
    }

    private static Task Empty(HttpContext context) => ApiJson.WriteAsync(context, StatusCodes.Status200OK, w =>
    {
        w.WriteStartObject();
        w.WriteEndObject();
    });

    private static (BrokerNode Node, TransactionCoordination Transactions) Ready(HttpContext context)
    {
        var node = NodeAccess.Ready(context);
        return (node, TransactionCoordination.For(node.System));
    }

    private static string TransactionalId(HttpContext context) =>
        TransactionRequestParser.ValidateTransactionalId(RequestParameters.Route(context, "transactionalId"));

    private static ApiSettings Settings(HttpContext context) => context.RequestServices.GetRequiredService<ApiSettings>();
}
