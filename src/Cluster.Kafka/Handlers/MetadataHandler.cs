using Cluster.Domain.Controller;
using Cluster.Domain.Protocol;
using Cluster.Kafka.Protocol.Messages;

namespace Cluster.Kafka.Handlers;

/// <summary>
/// Metadata (3). Every broker with a Kafka listener, the controller, and per partition its
/// real leader (so clients send to the leader as they would with Kafka; any broker would
/// also route the request there), leader epoch, replicas and ISR. Topics are never created
/// by a Metadata request, whatever AllowAutoTopicCreation says.
/// </summary>
public static class MetadataHandler
{
    /// <param name="live">Brokers that are up now; the others are reported as offline replicas.</param>
    public static MetadataResponse Handle(MetadataRequest request, short version, ClusterMetadata metadata, ISet<int> live, int controllerId)
    {
        var brokers = BrokerDirectory.KafkaBrokers(metadata).ToDictionary(b => b.BrokerId);
        var response = new MetadataResponse
        {
            Brokers = brokers.Values
                .OrderBy(b => b.BrokerId)
                .Select(b => new MetadataResponseBroker { NodeId = b.BrokerId, Host = b.Host, Port = b.KafkaPort })
                .ToList(),
            ClusterId = string.IsNullOrEmpty(metadata.ClusterId) ? null : metadata.ClusterId,
            ControllerId = controllerId,
        };

        if (request.Topics is null)
        {
            foreach (var topic in metadata.Topics.Values)
                response.Topics.Add(Describe(topic, brokers, live));
            return response;
        }

        foreach (var wanted in request.Topics)
        {
            var topic = wanted.Name is not null
                ? metadata.Topic(wanted.Name)
                : BrokerDirectory.TopicByUuid(metadata, wanted.TopicId);
            if (topic is not null)
            {
                response.Topics.Add(Describe(topic, brokers, live));
                continue;
            }
            response.Topics.Add(new MetadataResponseTopic
            {
                // Asked by an id we do not know (v12, null name): UNKNOWN_TOPIC_ID, as Kafka.
                ErrorCode = wanted.Name is null ? ErrorCode.UnknownTopicId : ErrorCode.UnknownTopicOrPartition,
                Name = wanted.Name,
                TopicId = wanted.Name is null ? wanted.TopicId : Guid.Empty,
            });
        }
        return response;
    }

    private static MetadataResponseTopic Describe(TopicMetadata topic, Dictionary<int, BrokerRegistration> brokers, ISet<int> live)
    {
        var result = new MetadataResponseTopic
        {
            Name = topic.Name,
            TopicId = BrokerDirectory.TopicUuid(topic.TopicId),
            IsInternal = topic.IsInternal,
        };
        foreach (var p in topic.Partitions)
        {
            // A leader whose node has no Kafka listener cannot be named: clients would have
            // nowhere to send. Kafka says LEADER_NOT_AVAILABLE then too.
            var leaderReachable = p.HasLeader && brokers.ContainsKey(p.Leader);
            result.Partitions.Add(new MetadataResponsePartition
            {
                ErrorCode = leaderReachable ? ErrorCode.None : ErrorCode.LeaderNotAvailable,
                PartitionIndex = p.Partition,
                LeaderId = leaderReachable ? p.Leader : -1,
                LeaderEpoch = p.LeaderEpoch,
                ReplicaNodes = p.Replicas.ToList(),
                IsrNodes = p.Isr.ToList(),
                OfflineReplicas = p.Replicas.Where(r => !live.Contains(r)).ToList(),
            });
        }
        return result;
    }
}
