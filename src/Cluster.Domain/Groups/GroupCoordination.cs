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
    private static readonly TimeSpan MemberRemovedResendDelay = TimeSpan.FromMilliseconds(300);
    private static readonly ConditionalWeakTable<ActorSystem, GroupCoordination> BySystem = new();

    /// <summary>Completed (and replaced) each time the cluster removes a member: the moment sharding re-homes that node's groups.</summary>
    private volatile TaskCompletionSource _memberRemoved = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private GroupCoordination(IActorRef region, GroupSettings settings, IGroupRegistry registry, OffsetsTopicLog? log)
    {
        Region = region;
        Settings = settings;
        Registry = registry;
        Log = log;
    }

    private void OnMemberRemoved()
    {
        var removed = _memberRemoved;
        _memberRemoved = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        removed.TrySetResult();
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
        system.ActorOf(Props.Create(() => new MemberRemovedWatcher(coordination.OnMemberRemoved)), "group-member-removed-watcher");
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
        // A copy is re-sent only after the time the coordinator may hold the join, or the
        // member's own session if shorter: a coordinator that died is noticed then (the new
        // copy re-registers the same member's wait, so the answer goes to the newest copy).
        var attempt = TimeSpan.FromMilliseconds(Math.Min(Settings.MaxJoinWait.TotalMilliseconds, Math.Max(join.SessionTimeoutMs, 3000)))
                      + Settings.AttemptTimeout;
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
    /// Ask the group's coordinator. While no answer has come, another copy is sent after
    /// <paramref name="attempt"/>, then after 1.5, 2, 2.5... attempts, and 0.3 s after the cluster removes a member
    /// (the earlier copies stay outstanding: a slow coordinator still
    /// answers, a dead one's successor answers the next copy as soon as sharding has moved the
    /// group); "not available / loading" answers are retried too, until <paramref name="total"/>
    /// has passed; then COORDINATOR_NOT_AVAILABLE. The first other answer wins. Every command
    /// is safe to repeat: commits write the same offsets, joins carry their member id.
    /// </summary>
    private async Task<TResult> AskAsync<TResult>(IGroupCommand command, TimeSpan attempt, TimeSpan total, CancellationToken cancellation)
        where TResult : IGroupResult
    {
        var deadline = DateTime.UtcNow + total;
        var outstanding = new List<Task<TResult>>();
        var copies = 0;
        TResult? last = default;
        try
        {
            while (true)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    if (last is not null && last.Error != ErrorCode.CoordinatorLoadInProgress) return last;
                    return (TResult)GroupResults.Failed(command, ErrorCode.CoordinatorNotAvailable,
                        $"The coordinator of group '{command.GroupId}' did not answer within {total.TotalSeconds:0.#} s; retry");
                }
                outstanding.Add(Region.Ask<TResult>(command, left, cancellation));
                // Each wait is half an attempt longer than the last: a coordinator that is only
                // slow (overloaded) gets few copies, a moved one is found within about an attempt.
                var wait = attempt + attempt * (copies++ / 2.0);
                // Also soon after a node is removed: the copies sent so far may have gone to it.
                var resend = Task.WhenAny(Task.Delay(left < wait ? left : wait, cancellation),
                    _memberRemoved.Task.ContinueWith(_ => Task.Delay(MemberRemovedResendDelay, cancellation), TaskScheduler.Default).Unwrap());
                while (outstanding.Count > 0)
                {
                    var done = await Task.WhenAny(outstanding.Append<Task>(resend)).ConfigureAwait(false);
                    if (done == resend) break;
                    var answered = (Task<TResult>)done;
                    outstanding.Remove(answered);
                    if (!answered.IsCompletedSuccessfully) continue; // timed out: the deadline is near
                    var result = answered.Result;
                    if (result.Error is not (ErrorCode.CoordinatorNotAvailable or ErrorCode.CoordinatorLoadInProgress)) return result;
                    last = result;
                    await Task.Delay(RetryDelay, cancellation).ConfigureAwait(false);
                    break;
                }
                if (outstanding.Count == 0 && !resend.IsCompleted) await Task.WhenAny(resend).ConfigureAwait(false);
                cancellation.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            // Copies still out answer to nobody, or time out: observe them.
            foreach (var copy in outstanding) _ = copy.ContinueWith(static t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        }
    }

    private sealed class MemberRemovedWatcher : ReceiveActor
    {
        public MemberRemovedWatcher(Action removed)
        {
            Receive<Akka.Cluster.ClusterEvent.MemberRemoved>(_ => removed());
            Receive<Akka.Cluster.ClusterEvent.CurrentClusterState>(_ => { });
        }

        protected override void PreStart() =>
            Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, typeof(Akka.Cluster.ClusterEvent.MemberRemoved));

        protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
    }

    private sealed class GroupMessageExtractor(int shards) : HashCodeMessageExtractor(shards)
    {
        public override string? EntityId(object message) => (message as IGroupCommand)?.GroupId;
    }
}
