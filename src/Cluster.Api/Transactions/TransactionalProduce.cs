using Cluster.Api.Http;
using Cluster.Domain.Groups;
using Cluster.Domain.Hosting;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Domain.Transactions;

namespace Cluster.Api.Transactions;

/// <summary>
/// A transactional produce's place in its transaction: the partitions joined the id's open
/// transaction (Kafka's AddPartitionsToTxn, beginning one if none was open), and the produce
/// holds a lease that keeps the transaction's markers back until <see cref="DisposeAsync"/>, so
/// that none of its batches can land behind a commit or abort marker.
/// </summary>
public sealed class TransactionalProduce : IAsyncDisposable
{
    private readonly TransactionCoordination _coordination;
    private readonly string _transactionalId;
    private readonly Guid _lease;

    private TransactionalProduce(TransactionCoordination coordination, string transactionalId, Guid lease)
    {
        _coordination = coordination;
        _transactionalId = transactionalId;
        _lease = lease;
    }

    public static async Task<TransactionalProduce> JoinAsync(BrokerNode node, string transactionalId, long producerId, short producerEpoch,
        IReadOnlyList<TopicPartition> partitions, CancellationToken cancellation)
    {
        TransactionRequestParser.ValidateTransactionalId(transactionalId);
        var coordination = TransactionCoordination.For(node.System);
        var produce = new TransactionalProduce(coordination, transactionalId, Guid.NewGuid());
        AddToTxnResult result;
        try
        {
            result = await coordination.AddPartitionsAsync(transactionalId, producerId, producerEpoch, partitions, produce._lease, cancellation);
        }
        catch
        {
            await produce.DisposeAsync();
            throw;
        }
        if (result.Error != ErrorCode.None)
        {
            await produce.DisposeAsync();
            TransactionErrors.ThrowIfFailed(result);
        }
        return produce;
    }

    public ValueTask DisposeAsync()
    {
        _coordination.ReleaseLease(_transactionalId, _lease);
        return ValueTask.CompletedTask;
    }
}

/// <summary>The coordinators' refusals as the contract's errors.</summary>
public static class TransactionErrors
{
    /// <summary>
    /// Kafka's INVALID_PRODUCER_ID_MAPPING (a producer id that is not the transactional id's)
    /// and INVALID_TRANSACTION_TIMEOUT are not among the contract's names: 400 INVALID_REQUEST
    /// with the Kafka name in the message. A coordinator still loading is COORDINATOR_NOT_AVAILABLE.
    /// </summary>
    public static void ThrowIfFailed(ITransactionResult result) => Throw(result.Error, result.Message);

    public static void ThrowIfFailed(IGroupResult result) => Throw(result.Error, result.Message);

    private static void Throw(ErrorCode error, string? message)
    {
        if (error == ErrorCode.None) return;
        var text = message ?? error.KafkaName();
        throw error switch
        {
            ErrorCode.InvalidProducerIdMapping or ErrorCode.InvalidTransactionTimeout or ErrorCode.InvalidSessionTimeout
                or ErrorCode.OffsetMetadataTooLarge or ErrorCode.InvalidGroupId =>
                new ApiException(ErrorCode.InvalidRequest, $"{text} (Kafka: {error.KafkaName()})"),
            ErrorCode.CoordinatorLoadInProgress or ErrorCode.NotCoordinator => new ApiException(ErrorCode.CoordinatorNotAvailable, text),
            _ => new ApiException(error, text),
        };
    }
}
