using Cluster.Domain.Groups;
using Cluster.Domain.Hosting;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Domain.Transactions;
using Cluster.Kafka.Protocol.Messages;

namespace Cluster.Kafka.Handlers;

/// <summary>
/// Kafka's transaction APIs over the cluster's transaction coordinator (issue 8):
/// InitProducerId with a transactional id, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn and
/// TxnOffsetCommit. A transactional Produce first (re)joins its partitions to the open
/// transaction with a lease, so that none of its batches can land behind the transaction's
/// markers, and releases the lease when the append is done.
/// </summary>
public static class TransactionHandler
{
    public static TransactionCoordination? Coordination(BrokerNode node)
    {
        try
        {
            return TransactionCoordination.For(node.System);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    public static async ValueTask<InitProducerIdResponse> InitProducerIdAsync(TransactionCoordination transactions, InitProducerIdRequest request,
        CancellationToken cancellation)
    {
        var result = await transactions.InitProducerIdAsync(request.TransactionalId!, request.TransactionTimeoutMs, cancellation).ConfigureAwait(false);
        return result.Error == ErrorCode.None
            ? new InitProducerIdResponse { ProducerId = result.ProducerId, ProducerEpoch = result.ProducerEpoch }
            : new InitProducerIdResponse { ErrorCode = result.Error, ProducerId = -1, ProducerEpoch = -1 };
    }

    public static async ValueTask<AddPartitionsToTxnResponse> AddPartitionsAsync(TransactionCoordination transactions, BrokerNode node,
        AddPartitionsToTxnRequest request, CancellationToken cancellation)
    {
        var metadata = node.Gateway.Metadata;
        var wanted = request.V3AndBelowTopics.SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Name, p))).ToList();
        var unknown = wanted.Where(tp => metadata.Topic(tp.Topic) is not { } t || tp.Partition < 0 || tp.Partition >= t.Partitions.Length).ToHashSet();
        ErrorCode error;
        if (unknown.Count > 0)
            error = ErrorCode.OperationNotAttempted; // as Kafka: the unknown ones say why, the others were not attempted
        else
            error = (await transactions.AddPartitionsAsync(request.V3AndBelowTransactionalId, request.V3AndBelowProducerId,
                request.V3AndBelowProducerEpoch, wanted, Guid.Empty, cancellation).ConfigureAwait(false)).Error;
        return new AddPartitionsToTxnResponse
        {
            ResultsByTopicV3AndBelow = request.V3AndBelowTopics.Select(t => new AddPartitionsToTxnTopicResult
            {
                Name = t.Name,
                ResultsByPartition = t.Partitions.Select(p => new AddPartitionsToTxnPartitionResult
                {
                    PartitionIndex = p,
                    PartitionErrorCode = unknown.Contains(new TopicPartition(t.Name, p)) ? ErrorCode.UnknownTopicOrPartition : error,
                }).ToList(),
            }).ToList(),
        };
    }

    public static async ValueTask<AddOffsetsToTxnResponse> AddOffsetsAsync(TransactionCoordination transactions, AddOffsetsToTxnRequest request,
        CancellationToken cancellation)
    {
        var result = await transactions.AddOffsetsAsync(request.TransactionalId, request.ProducerId, request.ProducerEpoch, request.GroupId,
            Guid.Empty, cancellation).ConfigureAwait(false);
        return new AddOffsetsToTxnResponse { ErrorCode = result.Error };
    }

    public static async ValueTask<EndTxnResponse> EndAsync(TransactionCoordination transactions, EndTxnRequest request, CancellationToken cancellation)
    {
        var ack = await transactions.EndTransactionAsync(request.TransactionalId, request.ProducerId, request.ProducerEpoch, request.Committed,
            Guid.NewGuid(), cancellation).ConfigureAwait(false);
        return new EndTxnResponse { ErrorCode = ack.Error };
    }

    /// <summary>
    /// The group's offsets join the transaction: the coordinator says which transaction is open
    /// (the group was added by AddOffsetsToTxn; adding it again is a no-op), and the group's
    /// coordinator keeps the offsets pending until the outcome.
    /// </summary>
    public static async ValueTask<TxnOffsetCommitResponse> TxnOffsetCommitAsync(TransactionCoordination transactions, GroupCoordination groups,
        TxnOffsetCommitRequest request, CancellationToken cancellation)
    {
        var lease = Guid.NewGuid();
        ErrorCode error;
        try
        {
            var joined = await transactions.AddOffsetsAsync(request.TransactionalId, request.ProducerId, request.ProducerEpoch, request.GroupId,
                lease, cancellation).ConfigureAwait(false);
            error = joined.Error;
            if (error == ErrorCode.None)
            {
                var offsets = request.Topics
                    .SelectMany(t => t.Partitions.Select(p => new OffsetCommit(t.Name, p.PartitionIndex, p.CommittedOffset, p.CommittedMetadata)))
                    .ToList();
                var member = string.IsNullOrEmpty(request.MemberId) ? null : request.MemberId;
                var ack = await GroupTransactionOffsets.CommitAsync(groups, new TxnCommitOffsets(request.GroupId, request.ProducerId,
                    request.ProducerEpoch, joined.Transaction.TransactionNumber, member, member is null || request.GenerationId < 0 ? null : request.GenerationId,
                    offsets), cancellation).ConfigureAwait(false);
                error = ack.Error;
            }
        }
        finally
        {
            transactions.ReleaseLease(request.TransactionalId, lease);
        }
        return new TxnOffsetCommitResponse
        {
            Topics = request.Topics.Select(t => new TxnOffsetCommitResponseTopic
            {
                Name = t.Name,
                Partitions = t.Partitions.Select(p => new TxnOffsetCommitResponsePartition { PartitionIndex = p.PartitionIndex, ErrorCode = error }).ToList(),
            }).ToList(),
        };
    }

    /// <summary>
    /// For transactional produce: the partition must be in the producer's open transaction
    /// (joining it again is a no-op); the lease holds the transaction's markers back until
    /// <paramref name="append"/> is done.
    /// </summary>
    public static async Task<T> WithPartitionInTransactionAsync<T>(TransactionCoordination transactions, string transactionalId, long producerId,
        short producerEpoch, string topic, int partition, Func<ErrorCode, Task<T>> append)
    {
        var lease = Guid.NewGuid();
        try
        {
            var joined = await transactions.AddPartitionsAsync(transactionalId, producerId, producerEpoch, [new TopicPartition(topic, partition)], lease)
                .ConfigureAwait(false);
            return await append(joined.Error).ConfigureAwait(false);
        }
        finally
        {
            transactions.ReleaseLease(transactionalId, lease);
        }
    }
}
