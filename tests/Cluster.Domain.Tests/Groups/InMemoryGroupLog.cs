using System.Collections.Concurrent;
using Cluster.Domain.Groups;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;

namespace Cluster.Domain.Tests.Groups;

/// <summary>
/// A group log for coordinator specs: writes go through the real record format (built into
/// batches and replayed on load), and can be made to fail or to take time.
/// </summary>
internal sealed class InMemoryGroupLog : IGroupLog
{
    private readonly ConcurrentQueue<byte[]> _batches = new();

    public int Writes => _batches.Count;
    public int WriteAttempts;
    public int Loads;

    /// <summary>Set to refuse writes with this error (as acks=all does without enough replicas).</summary>
    public ErrorCode FailWritesWith { get; set; } = ErrorCode.None;

    public TimeSpan WriteDelay { get; set; }
    public TimeSpan LoadDelay { get; set; }
    public bool FailLoads { get; set; }

    public async Task<GroupLogWrite> AppendAsync(string groupId, IReadOnlyList<IDurableGroupEvent> events, TransactionalWrite? transaction,
        CancellationToken cancellation)
    {
        Interlocked.Increment(ref WriteAttempts);
        if (WriteDelay > TimeSpan.Zero) await Task.Delay(WriteDelay, cancellation);
        if (FailWritesWith != ErrorCode.None) return new GroupLogWrite(FailWritesWith, $"injected {FailWritesWith.KafkaName()}", -1);
        _batches.Enqueue(OffsetsTopic.BuildBatch(groupId, events, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), transaction));
        return new GroupLogWrite(ErrorCode.None, null, _batches.Count - 1);
    }

    public async Task<GroupLogLoad> LoadAsync(string groupId, CancellationToken cancellation)
    {
        Interlocked.Increment(ref Loads);
        if (LoadDelay > TimeSpan.Zero) await Task.Delay(LoadDelay, cancellation);
        if (FailLoads) return GroupLogLoad.Failed(ErrorCode.CoordinatorLoadInProgress, "injected load failure");
        var replay = new GroupLogReplay(groupId);
        foreach (var batch in _batches) replay.Add(new RecordBatch(batch), 0);
        return new GroupLogLoad(ErrorCode.None, null, replay.Events, 0, replay.RecordsRead);
    }
}

internal sealed class NoGroupRegistry : IGroupRegistry
{
    public ConcurrentBag<string> Registered { get; } = new();

    public Task<bool> RegisterAsync(string groupId)
    {
        Registered.Add(groupId);
        return Task.FromResult(true);
    }

    public Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellation = default) =>
        Task.FromResult<IReadOnlyList<string>>(Registered.Distinct().Order().ToList());
}
