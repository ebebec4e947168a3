using System.Globalization;
using Cluster.Domain.Client;
using Cluster.Domain.Controller;
using Cluster.Domain.Protocol;
using Cluster.Kafka.Protocol.Messages;
using Cluster.Kafka.Server;

namespace Cluster.Kafka.Handlers;

/// <summary>CreateTopics (19), DeleteTopics (20) and DescribeConfigs (32), decided by the controller.</summary>
public static class TopicAdminHandler
{
    public static async ValueTask<CreateTopicsResponse> CreateAsync(BrokerGateway gateway, CreateTopicsRequest request,
        KafkaListenerSettings settings, int liveBrokers, CancellationToken cancellation)
    {
        var response = new CreateTopicsResponse();
        var duplicates = request.Topics.GroupBy(t => t.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
        var work = new List<(CreatableTopicResult Result, CreatableTopic Topic, Task<ControllerResult>? Task)>();
        foreach (var topic in request.Topics)
        {
            var result = new CreatableTopicResult { Name = topic.Name };
            response.Topics.Add(result);
            var (error, message, command) = ToCommand(topic, settings, duplicates);
            if (error == ErrorCode.None && request.ValidateOnly)
                (error, message) = Validate(gateway.Metadata, command!, liveBrokers);
            if (error != ErrorCode.None)
            {
                (result.ErrorCode, result.ErrorMessage) = (error, message);
                continue;
            }
            work.Add((result, topic, request.ValidateOnly ? null : gateway.ControllerAsync(command!, cancellation)));
        }

        foreach (var (result, topic, task) in work)
        {
            if (task is not null)
            {
                var outcome = await task.ConfigureAwait(false);
                if (!outcome.Ok)
                {
                    (result.ErrorCode, result.ErrorMessage) = (outcome.Error, outcome.Message);
                    continue;
                }
            }
            var created = gateway.Metadata.Topic(topic.Name);
            var configs = created?.Configs ?? (IReadOnlyDictionary<string, string>)ConfigsOf(topic);
            result.NumPartitions = created?.Partitions.Length ?? (topic.NumPartitions == -1 ? settings.DefaultPartitions : topic.NumPartitions);
            result.ReplicationFactor = (short)(created?.Partitions.FirstOrDefault()?.Replicas.Length ?? topic.ReplicationFactor);
            if (created is not null) result.TopicId = BrokerDirectory.TopicUuid(created.TopicId);
            result.Configs = TopicConfig.Effective(configs)
                .Select(c => new CreatableTopicConfigs
                {
                    Name = c.Key,
                    Value = c.Value,
                    ConfigSource = configs.ContainsKey(c.Key)
                        ? DescribeConfigsResourceResult.TopicConfigSource
                        : DescribeConfigsResourceResult.DefaultConfigSource,
                })
                .ToList();
        }
        return response;
    }

    private static (ErrorCode, string?, CreateTopic?) ToCommand(CreatableTopic topic, KafkaListenerSettings settings, HashSet<string> duplicates)
    {
        if (duplicates.Contains(topic.Name))
            return (ErrorCode.InvalidRequest, $"Topic '{topic.Name}' appears more than once in the request", null);
        if (topic.Assignments.Count > 0)
            return (ErrorCode.InvalidRequest, "Manual replica assignments are not supported: give a partition count and a replication factor", null);
        foreach (var config in topic.Configs)
            if (config.Value is null)
                return (ErrorCode.InvalidConfig, $"Config '{config.Name}' has a null value", null);
        if (topic.NumPartitions is 0 or < -1)
            return (ErrorCode.InvalidPartitions, $"The number of partitions must be at least 1, not {topic.NumPartitions}", null);
        if (topic.ReplicationFactor is 0 or < -1)
            return (ErrorCode.InvalidReplicationFactor, $"The replication factor must be at least 1, not {topic.ReplicationFactor}", null);
        var partitions = topic.NumPartitions == -1 ? settings.DefaultPartitions : topic.NumPartitions;
        return (ErrorCode.None, null, new CreateTopic(topic.Name, partitions, topic.ReplicationFactor, ConfigsOf(topic)));
    }

    private static Dictionary<string, string> ConfigsOf(CreatableTopic topic) =>
        topic.Configs.GroupBy(c => c.Name).ToDictionary(g => g.Key, g => g.Last().Value!, StringComparer.Ordinal);

    /// <summary>validate_only: the controller's checks without the change.</summary>
    private static (ErrorCode, string?) Validate(ClusterMetadata metadata, CreateTopic command, int liveBrokers)
    {
        if (TopicNames.Validate(command.Name) is { } nameProblem) return (ErrorCode.InvalidTopicException, nameProblem);
        if (metadata.Topics.ContainsKey(command.Name)) return (ErrorCode.TopicAlreadyExists, $"Topic '{command.Name}' already exists");
        if (command.Partitions > MetadataChanges.MaxPartitions)
            return (ErrorCode.InvalidPartitions, $"partitions must be between 1 and {MetadataChanges.MaxPartitions}");
        var rf = command.ReplicationFactor == MetadataChanges.DefaultReplicationFactor
            ? Math.Min(MetadataChanges.MaxDefaultReplicationFactor, liveBrokers)
            : command.ReplicationFactor;
        if (rf > liveBrokers)
            return (ErrorCode.InvalidReplicationFactor, $"replicationFactor {rf} is larger than the {liveBrokers} live broker(s)");
        if (TopicConfig.Validate(command.Configs) is { } configProblem) return (ErrorCode.InvalidConfig, configProblem);
        return (ErrorCode.None, null);
    }

    public static async ValueTask<DeleteTopicsResponse> DeleteAsync(BrokerGateway gateway, DeleteTopicsRequest request, CancellationToken cancellation)
    {
        var response = new DeleteTopicsResponse();
        var work = request.TopicNames
            .Select(name => (Name: name, Task: gateway.ControllerAsync(new DeleteTopic(name), cancellation)))
            .ToList();
        foreach (var (name, task) in work)
        {
            var outcome = await task.ConfigureAwait(false);
            response.Responses.Add(new DeletableTopicResult { Name = name, ErrorCode = outcome.Error, ErrorMessage = outcome.Message });
        }
        return response;
    }

    // ---------------------------------------------------------------- DescribeConfigs

    private sealed record BrokerConfig(string Name, string Value, sbyte Type);

    private const sbyte BooleanType = 1, StringType = 2, IntType = 3, LongType = 5, ListType = 7;

    public static DescribeConfigsResponse DescribeConfigs(DescribeConfigsRequest request, short version, ClusterMetadata metadata, int liveBrokers)
    {
        var response = new DescribeConfigsResponse();
        foreach (var resource in request.Resources)
        {
            var result = new DescribeConfigsResult { ResourceType = resource.ResourceType, ResourceName = resource.ResourceName };
            response.Results.Add(result);
            switch (resource.ResourceType)
            {
                case DescribeConfigsRequest.TopicResourceType:
                    var topic = metadata.Topic(resource.ResourceName);
                    if (topic is null)
                    {
                        (result.ErrorCode, result.ErrorMessage) = (ErrorCode.UnknownTopicOrPartition, $"Topic '{resource.ResourceName}' does not exist");
                        break;
                    }
                    foreach (var (name, value) in TopicConfig.Effective(topic.Configs))
                    {
                        if (resource.ConfigurationKeys is { } keys && !keys.Contains(name)) continue;
                        var set = topic.Configs.ContainsKey(name);
                        result.Configs.Add(Entry(name, value, set ? DescribeConfigsResourceResult.TopicConfigSource : DescribeConfigsResourceResult.DefaultConfigSource,
                            readOnly: false, TopicConfigType(name), request.IncludeSynonyms));
                    }
                    break;
                case DescribeConfigsRequest.BrokerResourceType:
                    if (resource.ResourceName.Length > 0 &&
                        (!int.TryParse(resource.ResourceName, NumberStyles.None, CultureInfo.InvariantCulture, out var brokerId) ||
                         !metadata.Brokers.ContainsKey(brokerId)))
                    {
                        (result.ErrorCode, result.ErrorMessage) = (ErrorCode.InvalidRequest, $"Broker '{resource.ResourceName}' is not registered");
                        break;
                    }
                    foreach (var config in BrokerConfigs(resource.ResourceName, liveBrokers))
                    {
                        if (resource.ConfigurationKeys is { } keys && !keys.Contains(config.Name)) continue;
                        result.Configs.Add(Entry(config.Name, config.Value, DescribeConfigsResourceResult.StaticBrokerConfigSource,
                            readOnly: true, config.Type, request.IncludeSynonyms));
                    }
                    break;
                default:
                    (result.ErrorCode, result.ErrorMessage) = (ErrorCode.InvalidRequest,
                        $"Resource type {resource.ResourceType} is not supported: only topics (2) and brokers (4)");
                    break;
            }
        }
        return response;
    }

    private static DescribeConfigsResourceResult Entry(string name, string value, sbyte source, bool readOnly, sbyte type, bool synonyms) => new()
    {
        Name = name,
        Value = value,
        ReadOnly = readOnly,
        IsDefault = source == DescribeConfigsResourceResult.DefaultConfigSource,
        ConfigSource = source,
        ConfigType = type,
        Synonyms = synonyms ? [new DescribeConfigsSynonym { Name = name, Value = value, Source = source }] : [],
    };

    private static sbyte TopicConfigType(string name) => name switch
    {
        TopicConfig.MinInsyncReplicasKey or TopicConfig.MaxMessageBytesKey => IntType,
        TopicConfig.RetentionMsKey or TopicConfig.RetentionBytesKey => LongType,
        TopicConfig.UncleanLeaderElectionKey => BooleanType,
        TopicConfig.CleanupPolicyKey => ListType,
        _ => StringType,
    };

    /// <summary>The broker settings Kafka tools commonly read; all fixed here (they are not configurable through Kafka).</summary>
    private static IEnumerable<BrokerConfig> BrokerConfigs(string brokerId, int liveBrokers)
    {
        var topicDefaults = TopicConfig.Effective(new Dictionary<string, string>());
        var replication = Math.Min(MetadataChanges.MaxDefaultReplicationFactor, Math.Max(1, liveBrokers)).ToString(CultureInfo.InvariantCulture);
        if (brokerId.Length > 0) yield return new("broker.id", brokerId, IntType);
        yield return new("auto.create.topics.enable", "false", BooleanType);
        yield return new("delete.topic.enable", "true", BooleanType);
        yield return new("num.partitions", "1", IntType);
        yield return new("default.replication.factor", replication, ShortType);
        yield return new("min.insync.replicas", topicDefaults[TopicConfig.MinInsyncReplicasKey], IntType);
        yield return new("message.max.bytes", topicDefaults[TopicConfig.MaxMessageBytesKey], IntType);
        yield return new("log.retention.ms", topicDefaults[TopicConfig.RetentionMsKey], LongType);
        yield return new("log.retention.bytes", topicDefaults[TopicConfig.RetentionBytesKey], LongType);
        yield return new("log.cleanup.policy", topicDefaults[TopicConfig.CleanupPolicyKey], ListType);
        yield return new("unclean.leader.election.enable", topicDefaults[TopicConfig.UncleanLeaderElectionKey], BooleanType);
        yield return new("offsets.topic.replication.factor", replication, ShortType);
        yield return new("transaction.state.log.replication.factor", replication, ShortType);
        yield return new("replica.lag.time.max.ms", "10000", LongType);
    }

    private const sbyte ShortType = 4;
}
