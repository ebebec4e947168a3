using Akka.Event;
using Cluster.Domain.Controller;
using Cluster.Domain.Log;
using Cluster.Domain.Metrics;

namespace Cluster.Domain.Replication;

/// <summary>
/// What the replica tells its node's metrics: a snapshot of its numbers (see
/// <see cref="NodeMetrics"/> for why a snapshot rather than answering at scrape time), and
/// the ISR changes it sees as leader, counted and logged as replication events.
/// </summary>
public sealed partial class PartitionReplica
{
    private PartitionMetrics? _published;

    /// <summary>Publishes the replica's numbers when they changed; called on every tick and role change.</summary>
    private void PublishMetrics()
    {
        var isLeader = _role == Role.Leader;
        var replicas = _state?.Replicas.Length ?? 0;
        var isr = _state?.Isr.Length ?? 0;
        if (_published is { } last && last.IsLeader == isLeader && last.LeaderEpoch == LeaderEpoch && last.Replicas == replicas &&
            last.InSyncReplicas == isr && last.LogStartOffset == _log.LogStartOffset && last.HighWatermark == _log.HighWatermark &&
            last.LogEndOffset == _log.LogEndOffset && last.SizeInBytes == _log.SizeInBytes)
            return; // nothing new: no allocation on a quiet partition's tick
        _published = new PartitionMetrics(_partition, isLeader, LeaderEpoch, replicas, isr,
            _log.LogStartOffset, _log.HighWatermark, _log.LogEndOffset, _log.SizeInBytes, Self);
        _metrics.Publish(_published);
    }

    /// <summary>The leader's ISR changed within its epoch (its own request, or the controller dropping a dead follower).</summary>
    private void ReportIsrChange(PartitionState previous, PartitionState current)
    {
        var removed = previous.Isr.Except(current.Isr).ToArray();
        var added = current.Isr.Except(previous.Isr).ToArray();
        if (removed.Length == 0 && added.Length == 0) return;
        if (removed.Length > 0) _metrics.IsrShrinks.Increment();
        if (added.Length > 0) _metrics.IsrExpands.Increment();
        _logger.Info("ISR change: [{PreviousIsr}] to [{Isr}] in leader epoch {LeaderEpoch}, partition epoch {PartitionEpoch} (removed [{Removed}], added [{Added}])",
            string.Join(",", previous.Isr), string.Join(",", current.Isr), current.LeaderEpoch, current.PartitionEpoch,
            string.Join(",", removed), string.Join(",", added));
        PublishMetrics();
    }

    /// <summary>Records in the batches a consumer fetch returns, from each batch's header.</summary>
    private void CountFetchedRecords(List<byte[]> batches)
    {
        long records = 0;
        foreach (var bytes in batches) records += new RecordBatch(bytes).RecordCount;
        if (records > 0) _metrics.FetchRecords.Add(records);
    }

    protected override void PostStop()
    {
        if (_published is not null) _metrics.Remove(_published);
        base.PostStop();
    }
}
