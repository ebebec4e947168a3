using Akka.Event;
using Cluster.Domain.Metrics;

namespace Cluster.Domain.Controller;

/// <summary>
/// What the controller tells its node's metrics and log: that it is the active controller,
/// how many partitions are offline, and every leader it elects (counted and logged once per
/// partition when decided, before the metadata naming the leader is written and published, so
/// no replica can lead before the election is counted).
/// </summary>
public sealed partial class ControllerActor
{
    private void PublishMetrics()
    {
        var offline = 0;
        foreach (var topic in _written.Topics.Values)
        foreach (var partition in topic.Partitions)
            if (!partition.HasLeader) offline++;
        _metrics.PublishController(new ControllerMetrics(true, offline, Self));
    }

    /// <summary>Leader changes from the written metadata to the one about to be written: elections, and partitions gone offline.</summary>
    private void ReportLeaderChanges(ClusterMetadata before, ClusterMetadata after)
    {
        foreach (var topic in after.Topics.Values)
        {
            if (before.Topic(topic.Name) is not { } old || old.TopicId != topic.TopicId) continue;
            foreach (var state in topic.Partitions)
            {
                if (state.Partition >= old.Partitions.Length) continue;
                var previous = old.Partitions[state.Partition];
                if (state.LeaderEpoch <= previous.LeaderEpoch) continue;
                var topicPartition = topic.PartitionId(state.Partition).ToString();
                if (state.HasLeader)
                {
                    _metrics.LeaderElections.Increment();
                    _log.Info("Leader election: broker {Leader} leads {TopicPartition} in leader epoch {LeaderEpoch} (was broker {PreviousLeader}), ISR [{Isr}]",
                        state.Leader, topicPartition, state.LeaderEpoch, previous.Leader, string.Join(",", state.Isr));
                }
                else
                {
                    _log.Warning("Partition offline: {TopicPartition} has no eligible leader in leader epoch {LeaderEpoch} (was broker {PreviousLeader}), ISR [{Isr}]",
                        topicPartition, state.LeaderEpoch, previous.Leader, string.Join(",", state.Isr));
                }
            }
        }
    }
}
