using Akka.Actor;
using Akka.Event;
using Cluster.Domain.Protocol;

namespace Cluster.Domain.Transactions;

/// <summary>
/// Kafka loads every transactional id of a <c>__transaction_state</c> partition when it becomes
/// the partition's leader, and so finishes whatever a dead coordinator left: prepared
/// commits and aborts, transactions past their timeout. Coordinators here are sharded entities
/// that start on their first message, so something must send that message: on every node this
/// actor reads the partitions its broker leads (from the start when it gains one, then what
/// was appended since) and wakes the coordinator of every id whose newest state is PrepareCommit,
/// PrepareAbort, or Ongoing past its timeout. The woken coordinator loads and does the rest.
/// </summary>
public sealed class TransactionRecovery : ReceiveActor, IWithTimers
{
    private sealed record PartitionView(long TopicId, int LeaderEpoch, long NextOffset, Dictionary<string, TransactionMetadata> Ids);

    private sealed record Scanned(Dictionary<int, PartitionView> Views, List<string> ToWake, string? Problem);

    private sealed class ScanTick
    {
        public static readonly ScanTick Instance = new();
    }

    private readonly int _brokerId;
    private readonly TransactionStateTopicLog _log;
    private readonly IActorRef _region;
    private readonly ILoggingAdapter _logger = Context.GetLogger();
    private Dictionary<int, PartitionView> _views = new();
    private HashSet<string> _woken = new(StringComparer.Ordinal);
    private bool _scanning;

    public TransactionRecovery(int brokerId, TransactionStateTopicLog log, IActorRef region, TransactionSettings settings)
    {
        _brokerId = brokerId;
        _log = log;
        _region = region;
        Receive<ScanTick>(_ =>
        {
            if (_scanning) return;
            _scanning = true;
            var views = _views;
            ScanAsync(views).PipeTo(Self);
        });
        Receive<Scanned>(scanned =>
        {
            _scanning = false;
            _views = scanned.Views;
            if (scanned.Problem is not null) _logger.Debug("Transaction recovery: {0}", scanned.Problem);
            foreach (var id in scanned.ToWake)
            {
                if (!_woken.Contains(id))
                    _logger.Info("Transaction recovery: waking the coordinator of '{0}' ({1})", id, scanned.Views.Values
                        .Select(v => v.Ids.GetValueOrDefault(id)).FirstOrDefault(m => m is not null)?.State);
                _region.Tell(new WakeTransaction(id));
            }
            _woken = scanned.ToWake.ToHashSet(StringComparer.Ordinal);
        });
        Timers!.StartPeriodicTimer("scan", ScanTick.Instance, settings.RecoveryInterval);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(int brokerId, TransactionStateTopicLog log, IActorRef region, TransactionSettings settings) =>
        Akka.Actor.Props.Create(() => new TransactionRecovery(brokerId, log, region, settings));

    /// <summary>Runs off the actor: it gets the views it may change as its own copy and hands them back.</summary>
    private async Task<Scanned> ScanAsync(Dictionary<int, PartitionView> previous)
    {
        var views = new Dictionary<int, PartitionView>();
        var wake = new List<string>();
        var topic = _log.Gateway.Metadata.Topic(TransactionStateTopic.Name);
        if (topic is null) return new Scanned(views, wake, null);
        string? problem = null;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var state in topic.Partitions)
        {
            if (state.Leader != _brokerId) continue;
            var view = previous.GetValueOrDefault(state.Partition);
            if (view is null || view.TopicId != topic.TopicId || view.LeaderEpoch != state.LeaderEpoch)
                view = new PartitionView(topic.TopicId, state.LeaderEpoch, 0, new Dictionary<string, TransactionMetadata>(StringComparer.Ordinal));
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                var ids = view.Ids;
                var read = await _log.ReadPartitionAsync(state.Partition, view.NextOffset, (id, metadata) =>
                {
                    if (metadata is null) ids.Remove(id);
                    else ids[id] = metadata;
                }, timeout.Token).ConfigureAwait(false);
                if (read.Error != ErrorCode.None)
                {
                    problem = read.Message;
                    if (previous.TryGetValue(state.Partition, out var kept)) views[state.Partition] = kept;
                    continue;
                }
                view = view with { NextOffset = read.NextOffset };
            }
            catch (Exception e) when (e is OperationCanceledException or InvalidOperationException)
            {
                problem = e.Message;
                continue;
            }
            views[state.Partition] = view;
            foreach (var (id, metadata) in view.Ids)
                if (metadata.IsPreparing || metadata.HasTimedOut(now))
                    wake.Add(id);
        }
        return new Scanned(views, wake, problem);
    }
}
