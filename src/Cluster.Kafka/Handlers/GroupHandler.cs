using Cluster.Domain.Groups;
using Cluster.Domain.Hosting;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Kafka.Protocol;
using Cluster.Kafka.Protocol.Messages;
using DomainJoinGroup = Cluster.Domain.Groups.JoinGroup;
using DomainLeaveGroup = Cluster.Domain.Groups.LeaveGroup;

namespace Cluster.Kafka.Handlers;

/// <summary>
/// Kafka's classic group protocol on top of the cluster's group coordinator (issue 7).
/// <para>
/// The coordinator assigns partitions itself (range, roundrobin or sticky), as the HTTP API
/// needs. Kafka clients expect one of them, the leader, to compute the assignment and hand
/// it over in SyncGroup. We keep the clients' side of the protocol intact by naming no
/// member as leader: every client is a follower that sends an empty SyncGroup and receives
/// its partitions there, encoded as Kafka's ConsumerProtocolAssignment. The subscription is
/// read from the members' protocol metadata; the protocol name answered is the first one the
/// member offered that the coordinator implements (eager ones before cooperative-sticky).
/// Group instance ids (static membership) are accepted and treated as dynamic members.
/// </para>
/// </summary>
public static class GroupHandler
{
    /// <summary>The leader id every member is told: no member has it, so every client follows.</summary>
    public const string ServerAssignedLeader = "coordinator-assigned";

    private static readonly string[] Preferred = ["range", "roundrobin", "sticky", "cooperative-sticky"];

    public static GroupCoordination? Coordination(BrokerNode node)
    {
        try
        {
            return GroupCoordination.For(node.System);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The coordinator's assignor for a protocol name a client offered, or null when we implement none of it.</summary>
    public static string? AssignorFor(string protocol) => protocol.ToLowerInvariant() switch
    {
        "range" or "rangeassigner" => "range",
        "roundrobin" or "roundrobinassigner" => "roundrobin",
        "sticky" or "cooperative-sticky" or "stickyassigner" => "sticky",
        _ => null,
    };

    /// <summary>Picks the protocol to answer with: known assignors first (eager before cooperative), else the client's first.</summary>
    public static (string Protocol, string? Assignor)? ChooseProtocol(IReadOnlyList<JoinGroupRequestProtocol> offered)
    {
        if (offered.Count == 0) return null;
        foreach (var name in Preferred)
            foreach (var p in offered)
                if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
                    return (p.Name, AssignorFor(p.Name));
        foreach (var p in offered)
            if (AssignorFor(p.Name) is { } assignor)
                return (p.Name, assignor);
        // A custom client assignor: the coordinator assigns with the group default instead.
        return (offered[0].Name, null);
    }

    public static async ValueTask<JoinGroupResponse> JoinAsync(GroupCoordination groups, JoinGroupRequest request, string? clientId,
        CancellationToken cancellation)
    {
        if (!string.IsNullOrEmpty(request.ProtocolType) && request.ProtocolType != ConsumerProtocol.ProtocolType)
            return JoinFailed(ErrorCode.InconsistentGroupProtocol, request.MemberId);
        if (ChooseProtocol(request.Protocols) is not { } chosen)
            return JoinFailed(ErrorCode.InconsistentGroupProtocol, request.MemberId);
        var topics = request.Protocols.Select(p => ConsumerProtocol.ReadSubscriptionTopics(p.Metadata)).FirstOrDefault(t => t is not null);
        if (topics is null) return JoinFailed(ErrorCode.InconsistentGroupProtocol, request.MemberId);

        var memberId = string.IsNullOrEmpty(request.MemberId) ? null : request.MemberId;
        var newMemberId = $"{(string.IsNullOrEmpty(clientId) ? "member" : clientId)}-{Guid.NewGuid():N}";
        var result = await groups.JoinAsync(new DomainJoinGroup(request.GroupId, memberId, newMemberId, topics,
            request.SessionTimeoutMs, chosen.Assignor), cancellation).ConfigureAwait(false);
        if (result.Error != ErrorCode.None)
            return JoinFailed(result.Error, string.IsNullOrEmpty(result.MemberId) ? request.MemberId : result.MemberId);
        return new JoinGroupResponse
        {
            ErrorCode = ErrorCode.None,
            GenerationId = result.Generation,
            ProtocolType = ConsumerProtocol.ProtocolType,
            ProtocolName = chosen.Protocol,
            Leader = ServerAssignedLeader,
            MemberId = result.MemberId,
            Members = [],
        };
    }

    private static JoinGroupResponse JoinFailed(ErrorCode error, string memberId) =>
        new() { ErrorCode = error, MemberId = memberId, Leader = "", GenerationId = -1 };

    /// <summary>
    /// The member's partitions of the generation it joined. The coordinator already decided
    /// them; a heartbeat confirms the generation is still current and carries them.
    /// </summary>
    public static async ValueTask<SyncGroupResponse> SyncAsync(GroupCoordination groups, SyncGroupRequest request, CancellationToken cancellation)
    {
        var result = await groups.HeartbeatAsync(new GroupHeartbeat(request.GroupId, request.MemberId, request.GenerationId), cancellation)
            .ConfigureAwait(false);
        if (result.Error != ErrorCode.None) return new SyncGroupResponse { ErrorCode = result.Error };
        if (result.Generation != request.GenerationId) return new SyncGroupResponse { ErrorCode = ErrorCode.IllegalGeneration };
        return new SyncGroupResponse
        {
            ErrorCode = ErrorCode.None,
            ProtocolType = request.ProtocolType ?? ConsumerProtocol.ProtocolType,
            ProtocolName = request.ProtocolName,
            Assignment = ConsumerProtocol.WriteAssignment(result.Assignment.Select(p => (p.Topic, p.Partition))),
        };
    }

    public static async ValueTask<HeartbeatResponse> HeartbeatAsync(GroupCoordination groups, HeartbeatRequest request, CancellationToken cancellation)
    {
        var result = await groups.HeartbeatAsync(new GroupHeartbeat(request.GroupId, request.MemberId, request.GenerationId), cancellation)
            .ConfigureAwait(false);
        return new HeartbeatResponse { ErrorCode = result.Error };
    }

    public static async ValueTask<LeaveGroupResponse> LeaveAsync(GroupCoordination groups, LeaveGroupRequest request, short version,
        CancellationToken cancellation)
    {
        var response = new LeaveGroupResponse();
        foreach (var member in request.AllMembers(version))
        {
            var ack = await groups.LeaveAsync(new DomainLeaveGroup(request.GroupId, member.MemberId), cancellation).ConfigureAwait(false);
            response.Members.Add(new MemberResponse { MemberId = member.MemberId, GroupInstanceId = member.GroupInstanceId, ErrorCode = ack.Error });
            // v0-2 carry one member and a top-level error only.
            if (response.ErrorCode == ErrorCode.None && version < 3) response.ErrorCode = ack.Error;
        }
        return response;
    }

    public static async ValueTask<OffsetCommitResponse> CommitAsync(GroupCoordination groups, OffsetCommitRequest request, CancellationToken cancellation)
    {
        // A "simple" consumer (Assign, no membership) commits with generation -1 and no member id.
        var simple = request.GenerationIdOrMemberEpoch < 0 && string.IsNullOrEmpty(request.MemberId);
        var offsets = request.Topics
            .SelectMany(t => t.Partitions.Select(p => new OffsetCommit(t.Name, p.PartitionIndex, p.CommittedOffset, p.CommittedMetadata)))
            .ToList();
        var ack = offsets.Count == 0
            ? GroupAck.Ok
            : await groups.CommitAsync(new CommitOffsets(request.GroupId, simple ? null : request.MemberId,
                simple ? null : request.GenerationIdOrMemberEpoch, offsets), cancellation).ConfigureAwait(false);
        return new OffsetCommitResponse
        {
            Topics = request.Topics.Select(t => new OffsetCommitResponseTopic
            {
                Name = t.Name,
                Partitions = t.Partitions.Select(p => new OffsetCommitResponsePartition { PartitionIndex = p.PartitionIndex, ErrorCode = ack.Error }).ToList(),
            }).ToList(),
        };
    }

    public static async ValueTask<OffsetFetchResponse> FetchOffsetsAsync(GroupCoordination groups, OffsetFetchRequest request, short version,
        CancellationToken cancellation)
    {
        var answers = new List<OffsetFetchResponseGroup>();
        foreach (var group in request.AllGroups(version))
        {
            var result = await groups.FetchOffsetsAsync(new FetchOffsets(group.GroupId, null), cancellation).ConfigureAwait(false);
            var answer = new OffsetFetchResponseGroup { GroupId = group.GroupId, ErrorCode = result.Error };
            answers.Add(answer);
            var committed = result.Offsets.ToDictionary(o => o.Partition, o => o.Offset);
            if (group.Topics is null)
            {
                // All the group's offsets.
                foreach (var topic in committed.GroupBy(c => c.Key.Topic).OrderBy(g => g.Key, StringComparer.Ordinal))
                    answer.Topics.Add(new OffsetFetchResponseTopic
                    {
                        Name = topic.Key,
                        Partitions = topic.OrderBy(c => c.Key.Partition)
                            .Select(c => new OffsetFetchResponsePartition { PartitionIndex = c.Key.Partition, CommittedOffset = c.Value.Offset, Metadata = c.Value.Metadata })
                            .ToList(),
                    });
                continue;
            }
            foreach (var topic in group.Topics)
                answer.Topics.Add(new OffsetFetchResponseTopic
                {
                    Name = topic.Name,
                    Partitions = topic.PartitionIndexes.Select(p =>
                    {
                        var found = committed.TryGetValue(new TopicPartition(topic.Name, p), out var offset);
                        return new OffsetFetchResponsePartition
                        {
                            PartitionIndex = p,
                            CommittedOffset = found ? offset!.Offset : -1,
                            Metadata = found ? offset!.Metadata : "",
                            // v0-1 have no group-level error: it goes on every partition.
                            ErrorCode = version < 2 ? result.Error : ErrorCode.None,
                        };
                    }).ToList(),
                });
        }
        return OffsetFetchResponse.For(version, answers);
    }

    public static async ValueTask<DescribeGroupsResponse> DescribeAsync(GroupCoordination groups, DescribeGroupsRequest request,
        CancellationToken cancellation)
    {
        var response = new DescribeGroupsResponse();
        foreach (var groupId in request.Groups)
        {
            var d = await groups.DescribeAsync(new DescribeGroup(groupId), cancellation).ConfigureAwait(false);
            response.Groups.Add(new DescribedGroup
            {
                ErrorCode = d.Error,
                GroupId = groupId,
                GroupState = d.Error != ErrorCode.None ? "" : StateName(d.Phase),
                ProtocolType = d.Phase == GroupPhase.Dead ? "" : ConsumerProtocol.ProtocolType,
                ProtocolData = d.Protocol ?? "",
                Members = d.Members.Select(m => new DescribedGroupMember
                {
                    MemberId = m.MemberId,
                    ClientId = "",
                    ClientHost = "",
                    MemberMetadata = ConsumerProtocol.WriteSubscription(m.Topics),
                    MemberAssignment = ConsumerProtocol.WriteAssignment(m.Assignment.Select(p => (p.Topic, p.Partition))),
                }).ToList(),
            });
        }
        return response;
    }

    public static string StateName(GroupPhase phase) => phase switch
    {
        GroupPhase.Empty => "Empty",
        GroupPhase.PreparingRebalance => "PreparingRebalance",
        GroupPhase.CompletingRebalance => "CompletingRebalance",
        GroupPhase.Stable => "Stable",
        _ => "Dead",
    };

    public static async ValueTask<ListGroupsResponse> ListAsync(GroupCoordination groups, ListGroupsRequest request, CancellationToken cancellation)
    {
        var ids = await groups.Registry.ListAsync(cancellation).ConfigureAwait(false);
        return new ListGroupsResponse
        {
            Groups = ids.Order(StringComparer.Ordinal)
                .Select(id => new ListedGroup { GroupId = id, ProtocolType = ConsumerProtocol.ProtocolType, GroupState = "", GroupType = "classic" })
                .ToList(),
        };
    }

    /// <summary>FindCoordinator for groups: this broker. Any broker reaches any group's coordinator inside the cluster.</summary>
    public static FindCoordinatorResponse FindCoordinator(FindCoordinatorRequest request, short version, KafkaAdvertisedEndpoint self, bool transactionsAvailable)
    {
        var answers = request.AllKeys(version).Select(key =>
            request.KeyType == FindCoordinatorRequest.GroupKeyType || transactionsAvailable
                ? new Coordinator { Key = key, NodeId = self.BrokerId, Host = self.Host, Port = self.Port }
                : new Coordinator { Key = key, ErrorCode = ErrorCode.CoordinatorNotAvailable, ErrorMessage = "Transactions are not available yet" })
            .ToList();
        return FindCoordinatorResponse.For(version, answers);
    }
}
