using Cluster.Domain.Protocol;
using Cluster.Kafka.Protocol;
using Cluster.Kafka.Protocol.Messages;

namespace Cluster.Kafka.Tests.Protocol;

/// <summary>
/// One fully populated request and response per API: every field holds a value other than
/// its default, so a field dropped or misplaced by a reader or writer changes the bytes.
/// </summary>
internal static class Samples
{
    private static readonly Guid TopicId = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");
    private static readonly byte[] Batch = Enumerable.Range(0, 61).Select(i => (byte)(i * 7)).ToArray();

    public static IKafkaRequest Request(ApiKey key) => key switch
    {
        ApiKey.ApiVersions => new ApiVersionsRequest { ClientSoftwareName = "librdkafka", ClientSoftwareVersion = "2.16.0" },
        ApiKey.Metadata => new MetadataRequest
        {
            Topics = [new MetadataRequestTopic { Name = "orders", TopicId = TopicId }, new MetadataRequestTopic { Name = "ü-topic" }],
            AllowAutoTopicCreation = false,
            IncludeClusterAuthorizedOperations = true,
            IncludeTopicAuthorizedOperations = true,
        },
        ApiKey.Produce => new ProduceRequest
        {
            TransactionalId = "tx-1",
            Acks = -1,
            TimeoutMs = 30000,
            TopicData =
            [
                new TopicProduceData
                {
                    Name = "orders",
                    PartitionData = [new PartitionProduceData { Index = 2, Records = Batch }, new PartitionProduceData { Index = 3 }],
                },
            ],
        },
        ApiKey.Fetch => new FetchRequest
        {
            ClusterId = "cluster-x",
            ReplicaId = -1,
            MaxWaitMs = 500,
            MinBytes = 1,
            MaxBytes = 52428800,
            IsolationLevel = 1,
            SessionId = 17,
            SessionEpoch = 3,
            Topics =
            [
                new FetchTopic
                {
                    Topic = "orders",
                    Partitions =
                    [
                        new FetchPartition { Partition = 0, CurrentLeaderEpoch = 4, FetchOffset = 1234, LastFetchedEpoch = 3, LogStartOffset = 10, PartitionMaxBytes = 1048576 },
                    ],
                },
            ],
            ForgottenTopicsData = [new ForgottenTopic { Topic = "old", Partitions = [1, 2] }],
            RackId = "rack-a",
        },
        ApiKey.ListOffsets => new ListOffsetsRequest
        {
            ReplicaId = -1,
            IsolationLevel = 1,
            Topics =
            [
                new ListOffsetsTopic
                {
                    Name = "orders",
                    Partitions = [new ListOffsetsPartition { PartitionIndex = 1, CurrentLeaderEpoch = 5, Timestamp = ListOffsetsRequest.EarliestTimestamp }],
                },
            ],
        },
        ApiKey.FindCoordinator => new FindCoordinatorRequest { Key = "group-1", KeyType = 1, CoordinatorKeys = ["group-1", "group-2"] },
        ApiKey.JoinGroup => new JoinGroupRequest
        {
            GroupId = "g",
            SessionTimeoutMs = 10000,
            RebalanceTimeoutMs = 300000,
            MemberId = "member-1",
            GroupInstanceId = "instance-1",
            ProtocolType = "consumer",
            Protocols = [new JoinGroupRequestProtocol { Name = "range", Metadata = [0, 1, 2, 3] }, new JoinGroupRequestProtocol { Name = "roundrobin", Metadata = [] }],
            Reason = "rejoin",
        },
        ApiKey.SyncGroup => new SyncGroupRequest
        {
            GroupId = "g",
            GenerationId = 5,
            MemberId = "member-1",
            GroupInstanceId = "instance-1",
            ProtocolType = "consumer",
            ProtocolName = "range",
            Assignments = [new SyncGroupRequestAssignment { MemberId = "member-1", Assignment = [9, 8, 7] }],
        },
        ApiKey.Heartbeat => new HeartbeatRequest { GroupId = "g", GenerationId = 5, MemberId = "member-1", GroupInstanceId = "instance-1" },
        ApiKey.LeaveGroup => new LeaveGroupRequest
        {
            GroupId = "g",
            MemberId = "member-1",
            Members = [new MemberIdentity { MemberId = "member-1", GroupInstanceId = "instance-1", Reason = "shutdown" }, new MemberIdentity { MemberId = "member-2" }],
        },
        ApiKey.OffsetCommit => new OffsetCommitRequest
        {
            GroupId = "g",
            GenerationIdOrMemberEpoch = 5,
            MemberId = "member-1",
            GroupInstanceId = "instance-1",
            RetentionTimeMs = 86400000,
            Topics =
            [
                new OffsetCommitRequestTopic
                {
                    Name = "orders",
                    Partitions =
                    [
                        new OffsetCommitRequestPartition { PartitionIndex = 0, CommittedOffset = 43, CommittedLeaderEpoch = 4, CommitTimestamp = 1732521600000, CommittedMetadata = "meta" },
                        new OffsetCommitRequestPartition { PartitionIndex = 1, CommittedOffset = 7, CommittedMetadata = null },
                    ],
                },
            ],
        },
        ApiKey.OffsetFetch => new OffsetFetchRequest
        {
            GroupId = "g",
            Topics = [new OffsetFetchRequestTopic { Name = "orders", PartitionIndexes = [0, 1, 2] }],
            Groups =
            [
                new OffsetFetchRequestGroup { GroupId = "g", MemberId = "member-1", MemberEpoch = 3, Topics = [new OffsetFetchRequestTopic { Name = "orders", PartitionIndexes = [0] }] },
                new OffsetFetchRequestGroup { GroupId = "h", Topics = null },
            ],
            RequireStable = true,
        },
        ApiKey.InitProducerId => new InitProducerIdRequest { TransactionalId = "tx-1", TransactionTimeoutMs = 60000, ProducerId = 7, ProducerEpoch = 2 },
        ApiKey.AddPartitionsToTxn => new AddPartitionsToTxnRequest
        {
            V3AndBelowTransactionalId = "tx-1",
            V3AndBelowProducerId = 7,
            V3AndBelowProducerEpoch = 2,
            V3AndBelowTopics = [new AddPartitionsToTxnTopic { Name = "orders", Partitions = [0, 2] }],
        },
        ApiKey.AddOffsetsToTxn => new AddOffsetsToTxnRequest { TransactionalId = "tx-1", ProducerId = 7, ProducerEpoch = 2, GroupId = "g" },
        ApiKey.EndTxn => new EndTxnRequest { TransactionalId = "tx-1", ProducerId = 7, ProducerEpoch = 2, Committed = true },
        ApiKey.TxnOffsetCommit => new TxnOffsetCommitRequest
        {
            TransactionalId = "tx-1",
            GroupId = "g",
            ProducerId = 7,
            ProducerEpoch = 2,
            GenerationId = 5,
            MemberId = "member-1",
            GroupInstanceId = "instance-1",
            Topics =
            [
                new TxnOffsetCommitRequestTopic
                {
                    Name = "in",
                    Partitions = [new TxnOffsetCommitRequestPartition { PartitionIndex = 0, CommittedOffset = 10, CommittedLeaderEpoch = 4, CommittedMetadata = "m" }],
                },
            ],
        },
        ApiKey.CreateTopics => new CreateTopicsRequest
        {
            Topics =
            [
                new CreatableTopic
                {
                    Name = "orders",
                    NumPartitions = 3,
                    ReplicationFactor = 3,
                    Assignments = [new CreatableReplicaAssignment { PartitionIndex = 0, BrokerIds = [1, 2, 3] }],
                    Configs = [new CreatableTopicConfig { Name = "retention.ms", Value = "60000" }, new CreatableTopicConfig { Name = "x", Value = null }],
                },
            ],
            TimeoutMs = 5000,
            ValidateOnly = true,
        },
        ApiKey.DeleteTopics => new DeleteTopicsRequest { TopicNames = ["orders", "old"], TimeoutMs = 5000 },
        ApiKey.DescribeConfigs => new DescribeConfigsRequest
        {
            Resources =
            [
                new DescribeConfigsResource { ResourceType = DescribeConfigsRequest.TopicResourceType, ResourceName = "orders", ConfigurationKeys = ["retention.ms"] },
                new DescribeConfigsResource { ResourceType = DescribeConfigsRequest.BrokerResourceType, ResourceName = "1", ConfigurationKeys = null },
            ],
            IncludeSynonyms = true,
            IncludeDocumentation = true,
        },
        ApiKey.DescribeGroups => new DescribeGroupsRequest { Groups = ["g", "h"], IncludeAuthorizedOperations = true },
        ApiKey.ListGroups => new ListGroupsRequest { StatesFilter = ["Stable"], TypesFilter = ["classic"] },
        _ => throw new ArgumentOutOfRangeException(nameof(key)),
    };

    public static IKafkaResponse Response(ApiKey key) => key switch
    {
        ApiKey.ApiVersions => new ApiVersionsResponse { ErrorCode = ErrorCode.None, ApiKeys = ApiVersionsResponse.FromTable().ApiKeys, ThrottleTimeMs = 3 },
        ApiKey.Metadata => new MetadataResponse
        {
            ThrottleTimeMs = 3,
            Brokers =
            [
                new MetadataResponseBroker { NodeId = 1, Host = "127.0.0.1", Port = 9092, Rack = "rack-a" },
                new MetadataResponseBroker { NodeId = 2, Host = "127.0.0.2", Port = 9093, Rack = null },
            ],
            ClusterId = "cluster-x",
            ControllerId = 1,
            Topics =
            [
                new MetadataResponseTopic
                {
                    ErrorCode = ErrorCode.None,
                    Name = "orders",
                    TopicId = TopicId,
                    IsInternal = true,
                    Partitions =
                    [
                        new MetadataResponsePartition
                        {
                            ErrorCode = ErrorCode.LeaderNotAvailable, PartitionIndex = 0, LeaderId = 1, LeaderEpoch = 4,
                            ReplicaNodes = [1, 2, 3], IsrNodes = [1, 2], OfflineReplicas = [3],
                        },
                    ],
                    TopicAuthorizedOperations = 0x0F,
                },
            ],
            ClusterAuthorizedOperations = 0x1F,
        },
        ApiKey.Produce => new ProduceResponse
        {
            Responses =
            [
                new TopicProduceResponse
                {
                    Name = "orders",
                    PartitionResponses =
                    [
                        new PartitionProduceResponse
                        {
                            Index = 2, ErrorCode = ErrorCode.NotLeaderOrFollower, BaseOffset = 42, LogAppendTimeMs = 1732521600000, LogStartOffset = 5,
                            RecordErrors = [new BatchIndexAndErrorMessage { BatchIndex = 1, BatchIndexErrorMessage = "bad" }],
                            ErrorMessage = "not leader",
                            CurrentLeader = new LeaderIdAndEpoch { LeaderId = 2, LeaderEpoch = 6 },
                        },
                    ],
                },
            ],
            ThrottleTimeMs = 3,
            NodeEndpoints = [new NodeEndpoint { NodeId = 2, Host = "127.0.0.2", Port = 9093, Rack = "rack-b" }],
        },
        ApiKey.Fetch => new FetchResponse
        {
            ThrottleTimeMs = 3,
            ErrorCode = ErrorCode.None,
            SessionId = 0,
            Responses =
            [
                new FetchableTopicResponse
                {
                    Topic = "orders",
                    Partitions =
                    [
                        new PartitionData
                        {
                            PartitionIndex = 0, ErrorCode = ErrorCode.None, HighWatermark = 120, LastStableOffset = 118, LogStartOffset = 3,
                            DivergingEpoch = new EpochEndOffset { Epoch = 2, EndOffset = 99 },
                            CurrentLeader = new LeaderIdAndEpoch { LeaderId = 1, LeaderEpoch = 4 },
                            SnapshotId = new SnapshotId { EndOffset = 50, Epoch = 1 },
                            AbortedTransactions = [new AbortedTransaction { ProducerId = 7, FirstOffset = 100 }],
                            PreferredReadReplica = 2,
                            Records = Batch,
                        },
                        new PartitionData { PartitionIndex = 1, ErrorCode = ErrorCode.OffsetOutOfRange, HighWatermark = 0, AbortedTransactions = null },
                    ],
                },
            ],
        },
        ApiKey.ListOffsets => new ListOffsetsResponse
        {
            ThrottleTimeMs = 3,
            Topics =
            [
                new ListOffsetsTopicResponse
                {
                    Name = "orders",
                    Partitions = [new ListOffsetsPartitionResponse { PartitionIndex = 1, ErrorCode = ErrorCode.None, Timestamp = 1732521600000, Offset = 17, LeaderEpoch = 5 }],
                },
            ],
        },
        ApiKey.FindCoordinator => new FindCoordinatorResponse
        {
            ThrottleTimeMs = 3,
            ErrorCode = ErrorCode.CoordinatorNotAvailable,
            ErrorMessage = "loading",
            NodeId = 2,
            Host = "127.0.0.2",
            Port = 9093,
            Coordinators =
            [
                new Coordinator { Key = "group-1", NodeId = 2, Host = "127.0.0.2", Port = 9093, ErrorCode = ErrorCode.None },
                new Coordinator { Key = "group-2", NodeId = -1, Host = "", Port = -1, ErrorCode = ErrorCode.CoordinatorNotAvailable, ErrorMessage = "loading" },
            ],
        },
        ApiKey.JoinGroup => new JoinGroupResponse
        {
            ThrottleTimeMs = 3,
            ErrorCode = ErrorCode.None,
            GenerationId = 5,
            ProtocolType = "consumer",
            ProtocolName = "range",
            Leader = "member-1",
            SkipAssignment = true,
            MemberId = "member-1",
            Members =
            [
                new JoinGroupResponseMember { MemberId = "member-1", GroupInstanceId = "instance-1", Metadata = [0, 1, 2, 3] },
                new JoinGroupResponseMember { MemberId = "member-2", Metadata = [] },
            ],
        },
        ApiKey.SyncGroup => new SyncGroupResponse { ThrottleTimeMs = 3, ErrorCode = ErrorCode.RebalanceInProgress, ProtocolType = "consumer", ProtocolName = "range", Assignment = [9, 8, 7] },
        ApiKey.Heartbeat => new HeartbeatResponse { ThrottleTimeMs = 3, ErrorCode = ErrorCode.RebalanceInProgress },
        ApiKey.LeaveGroup => new LeaveGroupResponse
        {
            ThrottleTimeMs = 3,
            ErrorCode = ErrorCode.None,
            Members = [new MemberResponse { MemberId = "member-1", GroupInstanceId = "instance-1", ErrorCode = ErrorCode.UnknownMemberId }],
        },
        ApiKey.OffsetCommit => new OffsetCommitResponse
        {
            ThrottleTimeMs = 3,
            Topics =
            [
                new OffsetCommitResponseTopic
                {
                    Name = "orders",
                    Partitions = [new OffsetCommitResponsePartition { PartitionIndex = 0, ErrorCode = ErrorCode.IllegalGeneration }],
                },
            ],
        },
        ApiKey.OffsetFetch => new OffsetFetchResponse
        {
            ThrottleTimeMs = 3,
            Topics = [OffsetFetchTopic()],
            ErrorCode = ErrorCode.NotCoordinator,
            Groups =
            [
                new OffsetFetchResponseGroup { GroupId = "g", Topics = [OffsetFetchTopic()], ErrorCode = ErrorCode.None },
                new OffsetFetchResponseGroup { GroupId = "h", Topics = [], ErrorCode = ErrorCode.NotCoordinator },
            ],
        },
        ApiKey.InitProducerId => new InitProducerIdResponse { ThrottleTimeMs = 3, ErrorCode = ErrorCode.None, ProducerId = 7, ProducerEpoch = 2 },
        ApiKey.AddPartitionsToTxn => new AddPartitionsToTxnResponse
        {
            ThrottleTimeMs = 3,
            ResultsByTopicV3AndBelow =
            [
                new AddPartitionsToTxnTopicResult
                {
                    Name = "orders",
                    ResultsByPartition = [new AddPartitionsToTxnPartitionResult { PartitionIndex = 0, PartitionErrorCode = ErrorCode.ConcurrentTransactions }],
                },
            ],
        },
        ApiKey.AddOffsetsToTxn => new AddOffsetsToTxnResponse { ThrottleTimeMs = 3, ErrorCode = ErrorCode.InvalidTxnState },
        ApiKey.EndTxn => new EndTxnResponse { ThrottleTimeMs = 3, ErrorCode = ErrorCode.InvalidProducerEpoch },
        ApiKey.TxnOffsetCommit => new TxnOffsetCommitResponse
        {
            ThrottleTimeMs = 3,
            Topics =
            [
                new TxnOffsetCommitResponseTopic
                {
                    Name = "in",
                    Partitions = [new TxnOffsetCommitResponsePartition { PartitionIndex = 0, ErrorCode = ErrorCode.UnknownMemberId }],
                },
            ],
        },
        ApiKey.CreateTopics => new CreateTopicsResponse
        {
            ThrottleTimeMs = 3,
            Topics =
            [
                new CreatableTopicResult
                {
                    Name = "orders",
                    TopicId = TopicId,
                    ErrorCode = ErrorCode.None,
                    ErrorMessage = "ok",
                    TopicConfigErrorCode = ErrorCode.InvalidConfig,
                    NumPartitions = 3,
                    ReplicationFactor = 3,
                    Configs = [new CreatableTopicConfigs { Name = "retention.ms", Value = "60000", ReadOnly = true, ConfigSource = 1, IsSensitive = true }],
                },
                new CreatableTopicResult { Name = "dup", ErrorCode = ErrorCode.TopicAlreadyExists, Configs = null },
            ],
        },
        ApiKey.DeleteTopics => new DeleteTopicsResponse
        {
            ThrottleTimeMs = 3,
            Responses = [new DeletableTopicResult { Name = "orders", ErrorCode = ErrorCode.UnknownTopicOrPartition, ErrorMessage = "no such topic" }],
        },
        ApiKey.DescribeConfigs => new DescribeConfigsResponse
        {
            ThrottleTimeMs = 3,
            Results =
            [
                new DescribeConfigsResult
                {
                    ErrorCode = ErrorCode.None,
                    ErrorMessage = "fine",
                    ResourceType = DescribeConfigsRequest.TopicResourceType,
                    ResourceName = "orders",
                    Configs =
                    [
                        new DescribeConfigsResourceResult
                        {
                            Name = "retention.ms", Value = "60000", ReadOnly = true, IsDefault = true,
                            ConfigSource = DescribeConfigsResourceResult.TopicConfigSource, IsSensitive = true,
                            Synonyms = [new DescribeConfigsSynonym { Name = "retention.ms", Value = "60000", Source = 1 }],
                            ConfigType = 5, Documentation = "How long to keep data",
                        },
                    ],
                },
            ],
        },
        ApiKey.DescribeGroups => new DescribeGroupsResponse
        {
            ThrottleTimeMs = 3,
            Groups =
            [
                new DescribedGroup
                {
                    ErrorCode = ErrorCode.None,
                    GroupId = "g",
                    GroupState = "Stable",
                    ProtocolType = "consumer",
                    ProtocolData = "range",
                    Members =
                    [
                        new DescribedGroupMember
                        {
                            MemberId = "member-1", GroupInstanceId = "instance-1", ClientId = "rdkafka", ClientHost = "/127.0.0.1",
                            MemberMetadata = [1, 2], MemberAssignment = [3, 4],
                        },
                    ],
                    AuthorizedOperations = 0x0F,
                },
            ],
        },
        ApiKey.ListGroups => new ListGroupsResponse
        {
            ThrottleTimeMs = 3,
            ErrorCode = ErrorCode.None,
            Groups = [new ListedGroup { GroupId = "g", ProtocolType = "consumer", GroupState = "Stable", GroupType = "classic" }],
        },
        _ => throw new ArgumentOutOfRangeException(nameof(key)),
    };

    private static OffsetFetchResponseTopic OffsetFetchTopic() => new()
    {
        Name = "orders",
        Partitions =
        [
            new OffsetFetchResponsePartition { PartitionIndex = 0, CommittedOffset = 43, CommittedLeaderEpoch = 4, Metadata = "meta", ErrorCode = ErrorCode.None },
            new OffsetFetchResponsePartition { PartitionIndex = 1, CommittedOffset = -1, Metadata = null, ErrorCode = ErrorCode.UnstableOffsetCommit },
        ],
    };

    /// <summary>Every (api key, version) we declare supported.</summary>
    public static IEnumerable<(ApiKey Key, short Version)> AllVersions() =>
        ApiVersionsTable.All.SelectMany(r => Enumerable.Range(r.MinVersion, r.MaxVersion - r.MinVersion + 1).Select(v => (r.ApiKey, (short)v)));
}
