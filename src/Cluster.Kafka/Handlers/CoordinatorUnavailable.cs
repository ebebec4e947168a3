using Cluster.Domain.Protocol;
using Cluster.Kafka.Protocol;
using Cluster.Kafka.Protocol.Messages;

namespace Cluster.Kafka.Handlers;

/// <summary>
/// Answers for the group and transaction APIs while the cluster has no coordinator for them:
/// COORDINATOR_NOT_AVAILABLE, which clients treat as "retry later" (what Kafka says while its
/// coordinator is loading), and an empty group list.
/// </summary>
public static class CoordinatorUnavailable
{
    private const ErrorCode Error = ErrorCode.CoordinatorNotAvailable;

    public static IKafkaResponse? For(ParsedRequest request) => request.Request switch
    {
        FindCoordinatorRequest find => FindCoordinatorResponse.For(request.ApiVersion,
            find.AllKeys(request.ApiVersion).Select(k => new Coordinator { Key = k, ErrorCode = Error, ErrorMessage = "No coordinator is available" }).ToList()),
        JoinGroupRequest join => new JoinGroupResponse { ErrorCode = Error, MemberId = join.MemberId },
        SyncGroupRequest => new SyncGroupResponse { ErrorCode = Error },
        HeartbeatRequest => new HeartbeatResponse { ErrorCode = Error },
        LeaveGroupRequest leave => new LeaveGroupResponse
        {
            ErrorCode = Error,
            Members = leave.AllMembers(request.ApiVersion).Select(m => new MemberResponse { MemberId = m.MemberId, GroupInstanceId = m.GroupInstanceId, ErrorCode = Error }).ToList(),
        },
        OffsetCommitRequest commit => new OffsetCommitResponse
        {
            Topics = commit.Topics.Select(t => new OffsetCommitResponseTopic
            {
                Name = t.Name,
                Partitions = t.Partitions.Select(p => new OffsetCommitResponsePartition { PartitionIndex = p.PartitionIndex, ErrorCode = Error }).ToList(),
            }).ToList(),
        },
        OffsetFetchRequest fetch => OffsetFetchResponse.For(request.ApiVersion,
            fetch.AllGroups(request.ApiVersion).Select(g => new OffsetFetchResponseGroup { GroupId = g.GroupId, ErrorCode = Error }).ToList()),
        DescribeGroupsRequest describe => new DescribeGroupsResponse
        {
            Groups = describe.Groups.Select(g => new DescribedGroup { GroupId = g, ErrorCode = Error }).ToList(),
        },
        ListGroupsRequest => new ListGroupsResponse(),
        AddPartitionsToTxnRequest add => new AddPartitionsToTxnResponse
        {
            ResultsByTopicV3AndBelow = add.V3AndBelowTopics.Select(t => new AddPartitionsToTxnTopicResult
            {
                Name = t.Name,
                ResultsByPartition = t.Partitions.Select(p => new AddPartitionsToTxnPartitionResult { PartitionIndex = p, PartitionErrorCode = Error }).ToList(),
            }).ToList(),
        },
        AddOffsetsToTxnRequest => new AddOffsetsToTxnResponse { ErrorCode = Error },
        EndTxnRequest => new EndTxnResponse { ErrorCode = Error },
        TxnOffsetCommitRequest commit => new TxnOffsetCommitResponse
        {
            Topics = commit.Topics.Select(t => new TxnOffsetCommitResponseTopic
            {
                Name = t.Name,
                Partitions = t.Partitions.Select(p => new TxnOffsetCommitResponsePartition { PartitionIndex = p.PartitionIndex, ErrorCode = Error }).ToList(),
            }).ToList(),
        },
        InitProducerIdRequest => new InitProducerIdResponse { ErrorCode = Error },
        _ => null,
    };
}
