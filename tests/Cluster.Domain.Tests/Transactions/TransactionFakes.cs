using System.Collections.Concurrent;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Domain.Transactions;

namespace Cluster.Domain.Tests.Transactions;

/// <summary>
/// A <c>__transaction_state</c> for coordinator specs: every write goes through the real record
/// format and loading reads the newest record of the id back. Writes can fail or take time.
/// </summary>
internal sealed class InMemoryTransactionLog : ITransactionStateLog
{
    private readonly ConcurrentQueue<byte[]> _batches = new();

    public ErrorCode FailWritesWith { get; set; } = ErrorCode.None;

    /// <summary>A failed write that still lands (a timeout whose write went through).</summary>
    public bool FailedWritesLand { get; set; }

    public int Loads;

    public IReadOnlyList<TransactionMetadata> States(string id) => _batches
        .Select(b => new RecordBatch(b).Records.Single())
        .Where(r => TransactionStateTopic.TransactionalIdOf(r.Key!.Value.Span) == id)
        .Select(r => TransactionStateTopic.ReadValue(id, r.Value!.Value.Span))
        .ToList();

    public void Put(TransactionMetadata metadata) =>
        _batches.Enqueue(TransactionStateTopic.BuildBatch(metadata, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));

    public Task<TransactionLogWrite> WriteAsync(TransactionMetadata metadata, CancellationToken cancellation)
    {
        if (FailWritesWith != ErrorCode.None)
        {
            if (FailedWritesLand) Put(metadata);
            return Task.FromResult(new TransactionLogWrite(FailWritesWith, $"injected {FailWritesWith.KafkaName()}"));
        }
        Put(metadata);
        return Task.FromResult(TransactionLogWrite.Ok);
    }

    public Task<TransactionLogLoad> LoadAsync(string transactionalId, CancellationToken cancellation)
    {
        Interlocked.Increment(ref Loads);
        var states = States(transactionalId);
        return Task.FromResult(new TransactionLogLoad(ErrorCode.None, null, states.LastOrDefault(), 0, states.Count));
    }
}

/// <summary>Records every marker and group outcome; can refuse them for a while or hold them until released.</summary>
internal sealed class RecordingParticipants : ITransactionParticipants
{
    public sealed record Marker(TopicPartition Partition, long ProducerId, short ProducerEpoch, bool Commit);

    public sealed record GroupOutcome(string GroupId, TransactionTag Transaction, bool Commit);

    public ConcurrentQueue<Marker> Markers { get; } = new();
    public ConcurrentQueue<GroupOutcome> Groups { get; } = new();

    /// <summary>Answer RETRY this many times before taking markers.</summary>
    public int RefuseMarkers;

    public int Attempts;

    public TaskCompletionSource Gate { get; private set; } = Open();

    public void Hold() => Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => Gate.TrySetResult();

    private static TaskCompletionSource Open()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }

    public async Task<(ParticipantOutcome Outcome, string? Message)> WriteMarkerAsync(TopicPartition partition, long producerId, short producerEpoch,
        bool commit, CancellationToken cancellation)
    {
        Interlocked.Increment(ref Attempts);
        await Gate.Task.WaitAsync(cancellation);
        if (Interlocked.Decrement(ref RefuseMarkers) >= 0) return (ParticipantOutcome.Retry, "injected: no leader");
        Markers.Enqueue(new Marker(partition, producerId, producerEpoch, commit));
        return (ParticipantOutcome.Done, null);
    }

    public async Task<(ParticipantOutcome Outcome, string? Message)> CompleteGroupAsync(string groupId, TransactionTag transaction, bool commit,
        CancellationToken cancellation)
    {
        await Gate.Task.WaitAsync(cancellation);
        Groups.Enqueue(new GroupOutcome(groupId, transaction, commit));
        return (ParticipantOutcome.Done, null);
    }
}
