using Akka.Actor;
using Cluster.Domain.Client;
using Cluster.Domain.Groups;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Domain.Replication;

namespace Cluster.Domain.Transactions;

/// <summary>Outcome of telling one participant how its transaction ended.</summary>
public enum ParticipantOutcome
{
    /// <summary>Written (or nothing was open there): this participant is done.</summary>
    Done,

    /// <summary>It cannot take it now (no leader, too few replicas, a timeout): try again.</summary>
    Retry,

    /// <summary>It will never take it (its topic is gone, a newer producer epoch owns it): give up on it.</summary>
    Skip,
}

/// <summary>
/// The second phase of a commit or abort: a marker to every partition of the transaction and
/// the outcome to every group that got offsets in it (Kafka writes the latter as a marker to
/// <c>__consumer_offsets</c>; here the group coordinator records it, see
/// <see cref="CompleteTxnOffsets"/>). Both are idempotent, so a coordinator that fails over
/// simply does them all again.
/// </summary>
public interface ITransactionParticipants
{
    Task<(ParticipantOutcome Outcome, string? Message)> WriteMarkerAsync(TopicPartition partition, long producerId, short producerEpoch,
        bool commit, CancellationToken cancellation);

    Task<(ParticipantOutcome Outcome, string? Message)> CompleteGroupAsync(string groupId, TransactionTag transaction, bool commit,
        CancellationToken cancellation);
}

/// <summary>Markers through the node's gateway (acks=all, following the partition's leader), outcomes through the group coordination.</summary>
public sealed class ClusterTransactionParticipants : ITransactionParticipants
{
    private readonly BrokerGateway _gateway;
    private readonly ActorSystem _system;

    public ClusterTransactionParticipants(BrokerGateway gateway, ActorSystem system)
    {
        _gateway = gateway;
        _system = system;
    }

    public async Task<(ParticipantOutcome Outcome, string? Message)> WriteMarkerAsync(TopicPartition partition, long producerId,
        short producerEpoch, bool commit, CancellationToken cancellation)
    {
        var marker = RecordBatchBuilder.BuildControlBatch(producerId, producerEpoch, commit, coordinatorEpoch: 0,
            DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var result = await _gateway.ProduceAsync(partition.Topic, partition.Partition, marker, Acks.All, cancellation).ConfigureAwait(false);
        return result.Error switch
        {
            ErrorCode.None => (ParticipantOutcome.Done, null),
            // The topic was deleted: nobody can read the transaction there any more.
            ErrorCode.UnknownTopicOrPartition => (ParticipantOutcome.Skip, $"{partition} no longer exists"),
            // The partition knows a newer epoch of this producer: a newer coordinator decision owns it.
            ErrorCode.ProducerFenced or ErrorCode.InvalidProducerEpoch =>
                (ParticipantOutcome.Skip, $"{partition} refused the marker: {result.Error.KafkaName()} {result.Message}"),
            _ => (ParticipantOutcome.Retry, $"{partition}: {result.Error.KafkaName()} {result.Message}"),
        };
    }

    public async Task<(ParticipantOutcome Outcome, string? Message)> CompleteGroupAsync(string groupId, TransactionTag transaction, bool commit,
        CancellationToken cancellation)
    {
        var result = await GroupTransactionOffsets.CompleteAsync(GroupCoordination.For(_system),
            new CompleteTxnOffsets(groupId, transaction.ProducerId, transaction.TransactionNumber, commit), cancellation).ConfigureAwait(false);
        return result.Error == ErrorCode.None
            ? (ParticipantOutcome.Done, null)
            : (ParticipantOutcome.Retry, $"group '{groupId}': {result.Error.KafkaName()} {result.Message}");
    }
}
