using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Cluster.Domain.Client;
using Cluster.Domain.Protocol;

namespace Cluster.Domain.Groups;

/// <summary>
/// A node's part in consumer groups: the <c>group-coordinator</c> shard region (started on
/// every broker, entities placed by sharding's usual allocation, so groups spread over the
/// nodes and move when one fails) and the way in for the front doors: asks with timeouts
/// and bounded retries, so a request follows a coordinator that moved. One per ActorSystem;
/// <see cref="For"/> finds it.
/// </summary>
public sealed class GroupCoordination
{
    public const string TypeName = "group-coordinator";
    private const string BrokerRole = "broker";
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(200);
    private static readonly ConditionalWeakTable<ActorSystem, GroupCoordination> BySystem = new();

    private GroupCoordination(IActorRef region, GroupSettings settings, IGroupRegistry registry, OffsetsTopicLog? log)
    {
        Region = region;
        Settings = settings;
        Registry = registry;
        Log = log;
    }

    public IActorRef Region { get; }
    public GroupSettings Settings { get; }
    public IGroupRegistry Registry { get; }

    /// <summary>The node's access to <c>__consumer_offsets</c> (null when started with another log, in specs).</summary>
    public OffsetsTopicLog? Log { get; }

    /// <summary>Starts the region on this node (BrokerNode does, after the gateway exists).</summary>
    public static GroupCoordination Start(ActorSystem system, BrokerGateway gateway, int brokerId)
    {
        var settings = GroupSettings.From(system.Settings.Config);
        var cluster = Akka.Cluster.Cluster.Get(system);
        var log = new OffsetsTopicLog(gateway, settings, () => cluster.State.Members.Count(m =>
            m.Status == Akka.Cluster.MemberStatus.Up && m.HasRole(BrokerRole) && !cluster.State.Unreachable.Contains(m)));
        return Start(system, settings, log, new DistributedGroupRegistry(system), brokerId,
            topic => gateway.Metadata.Topic(topic)?.Partitions.Length);
    }

    public static GroupCoordination Start(ActorSystem system, GroupSettings settings, IGroupLog log, IGroupRegistry registry, int brokerId,
        Func<string, int?> partitionCount)
    {
        var context = new GroupCoordinatorContext(log, registry, partitionCount, settings, brokerId,
            () => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var sharding = ClusterSharding.Get(system);
        var region = sharding.Start(TypeName, groupId => GroupCoordinator.Props(groupId, context),
            sharding.Settings.WithRole(BrokerRole).WithRememberEntities(false), new GroupMessageExtractor(settings.NumberOfShards));
        var coordination = new GroupCoordination(region, settings, registry, log as OffsetsTopicLog);
        BySystem.AddOrUpdate(system, coordination);
        return coordination;
    }

    public static GroupCoordination For(ActorSystem system) =>
        BySystem.TryGetValue(system, out var coordination)
            ? coordination
            : throw new InvalidOperationException("Consumer groups are not started on this node");

    // ---------------------------------------------------------------- client side

    /// <summary>
    /// Join and wait for the rebalance. A retry after a lost answer is the same member
    /// (the join carries its member id or the new one chosen here), so retrying is safe.
    /// </summary>
    public Task<JoinGroupResult> JoinAsync(JoinGroup join, CancellationToken cancellation = default)
    {
        // One attempt lasts as long as the coordinator may hold the join, unless the member's
        // own session is shorter: then a coordinator that died is noticed sooner (the retry
        // re-registers the same member's wait).
        var attempt = TimeSpan.FromMilliseconds(Math.Min(Settings.MaxJoinWait.TotalMilliseconds, Math.Max(join.SessionTimeoutMs, 3000)))
                      + TimeSpan.FromSeconds(2);
        return AskAsync<JoinGroupResult>(join, attempt, Settings.MaxJoinWait + Settings.RequestTimeout, cancellation);
    }

    public Task<HeartbeatResult> HeartbeatAsync(GroupHeartbeat heartbeat, CancellationToken cancellation = default) =>
        AskAsync<HeartbeatResult>(heartbeat, Settings.AttemptTimeout, Settings.RequestTimeout, cancellation);

    public Task<GroupAck> LeaveAsync(LeaveGroup leave, CancellationToken cancellation = default) =>
        AskAsync<GroupAck>(leave, Settings.AttemptTimeout, Settings.RequestTimeout, cancellation);

    public Task<GroupAck> CommitAsync(CommitOffsets commit, CancellationToken cancellation = default) =>
        AskAsync<GroupAck>(commit, Settings.AttemptTimeout, Settings.RequestTimeout, cancellation);

    public Task<FetchOffsetsResult> FetchOffsetsAsync(FetchOffsets fetch, CancellationToken cancellation = default) =>
        AskAsync<FetchOffsetsResult>(fetch, Settings.AttemptTimeout, Settings.RequestTimeout, cancellation);

    public Task<GroupDescription> DescribeAsync(DescribeGroup describe, CancellationToken cancellation = default) =>
        AskAsync<GroupDescription>(describe, Settings.AttemptTimeout, Settings.RequestTimeout, cancellation);

    /// <summary>
    /// Ask the group's coordinator. No answer within an attempt (its node died, it is moving)
    /// or "not available / loading" means: ask again, until <paramref name="total"/> has
    /// passed; then COORDINATOR_NOT_AVAILABLE. Every command is safe to repeat.
    /// </summary>
    private async Task<TResult> AskAsync<TResult>(IGroupCommand command, TimeSpan attempt, TimeSpan total, CancellationToken cancellation)
        where TResult : IGroupResult
    {
        var deadline = DateTime.UtcNow + total;
        TResult? last = default;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                if (last is not null && last.Error != ErrorCode.CoordinatorLoadInProgress) return last;
                return (TResult)GroupResults.Failed(command, ErrorCode.CoordinatorNotAvailable,
                    $"The coordinator of group '{command.GroupId}' did not answer within {total.TotalSeconds:0.#} s; retry");
            }
            try
            {
                var result = await Region.Ask<TResult>(command, left < attempt ? left : attempt, cancellation).ConfigureAwait(false);
                if (result.Error is not (ErrorCode.CoordinatorNotAvailable or ErrorCode.CoordinatorLoadInProgress)) return result;
                last = result;
            }
            catch (AskTimeoutException)
            {
            }
            await Task.Delay(RetryDelay, cancellation).ConfigureAwait(false);
        }
    }

    private sealed class GroupMessageExtractor(int shards) : HashCodeMessageExtractor(shards)
    {
        public override string? EntityId(object message) => (message as IGroupCommand)?.GroupId;
    }
}
