using Akka.Actor;
using Akka.Configuration;
using Cluster.Domain.Controller;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Domain.Replication;

namespace Cluster.Domain.Client;

public sealed record GatewaySettings(TimeSpan RequestTimeout, TimeSpan AttemptTimeout)
{
    public static GatewaySettings From(Config config) => new(
        config.GetTimeSpan("cluster-log.gateway.request-timeout"),
        config.GetTimeSpan("cluster-log.gateway.attempt-timeout"));
}

/// <summary>
/// The front doors' (HTTP, Kafka) way into the cluster: any node routes any request to
/// the partition's leader or to the controller, and follows leadership changes with
/// bounded retries, so a client never has to know who leads. Every call ends within the
/// request timeout with a result or a Kafka error, never an exception.
/// </summary>
public sealed class BrokerGateway
{
    private static readonly TimeSpan MetadataWait = TimeSpan.FromMilliseconds(500);

    private readonly MetadataView _metadata;
    private readonly ReplicaRegions _regions;
    private readonly IActorRef _controller;

    public BrokerGateway(ActorSystem system, MetadataView metadata, ReplicaRegions regions, IActorRef controller, GatewaySettings settings)
    {
        System = system;
        _metadata = metadata;
        _regions = regions;
        _controller = controller;
        Settings = settings;
    }

    public ActorSystem System { get; }
    public GatewaySettings Settings { get; }
    public ClusterMetadata Metadata => _metadata.Current;

    // ---------------------------------------------------------------- controller

    /// <summary>
    /// Send a command to the controller; on success, wait until this node's metadata holds
    /// the change, so the caller's next request (on this node) sees it.
    /// </summary>
    public async Task<ControllerResult> ControllerAsync(IControllerCommand command, CancellationToken cancellation = default)
    {
        var deadline = DateTime.UtcNow + Settings.RequestTimeout;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                return new ControllerResult(ErrorCode.RequestTimedOut, "The controller did not answer in time", -1);
            try
            {
                var result = await _controller.Ask<ControllerResult>(command, Min(left, Settings.AttemptTimeout), cancellation);
                if (result.Ok) await _metadata.WaitForNewerThanAsync(result.MetadataVersion - 1, Min(deadline - DateTime.UtcNow, Settings.AttemptTimeout), cancellation);
                return result;
            }
            catch (AskTimeoutException)
            {
                // The controller may be moving to another node: ask again.
            }
        }
    }

    public async Task<ProducerIdBlock> AllocateProducerIdsAsync(int count, CancellationToken cancellation = default)
    {
        try
        {
            return await _controller.Ask<ProducerIdBlock>(new AllocateProducerIds(count), Settings.RequestTimeout, cancellation);
        }
        catch (AskTimeoutException)
        {
            return new ProducerIdBlock(ErrorCode.RequestTimedOut, -1, 0);
        }
    }

    // ---------------------------------------------------------------- partitions

    /// <summary>Look a partition up in the current metadata.</summary>
    public (TopicMetadata? Topic, ErrorCode Error, string? Message) FindPartition(string topic, int partition)
    {
        var t = _metadata.Current.Topic(topic);
        if (t is null) return (null, ErrorCode.UnknownTopicOrPartition, $"Topic '{topic}' does not exist");
        if (partition < 0 || partition >= t.Partitions.Length)
            return (t, ErrorCode.UnknownTopicOrPartition, $"Topic '{topic}' has no partition {partition} (it has {t.Partitions.Length})");
        return (t, ErrorCode.None, null);
    }

    /// <param name="transactionalId">The producer's, for a transactional batch: the leader verifies it with the coordinator (KIP-890).</param>
    public async Task<ProduceResult> ProduceAsync(string topic, int partition, byte[] batch, Acks acks, CancellationToken cancellation = default,
        string? transactionalId = null)
    {
        if (acks == Acks.None)
        {
            // Kafka's acks=0: hand the batch to the leader and do not wait, not even for the append.
            var (t, error, message) = FindPartition(topic, partition);
            if (t is null || error != ErrorCode.None) return new ProduceResult(error, -1, message);
            var state = t.Partitions[partition];
            if (!state.HasLeader) return new ProduceResult(ErrorCode.LeaderNotAvailable, -1, $"{topic}-{partition} has no leader");
            _regions.ForBroker(state.Leader).Tell(new ProduceRequest(t.PartitionId(partition), batch, Acks.None, 0, transactionalId));
            return new ProduceResult(ErrorCode.None, -1);
        }

        var attempt = 0;
        return await RouteAsync(topic, partition,
            (tp, timeoutMs) => new ProduceRequest(tp,
                // The leader patches offsets into the array it gets; a retry must not share it.
                attempt++ == 0 ? batch : (byte[])batch.Clone(),
                acks, timeoutMs, transactionalId),
            (ProduceResult r) => r.Error,
            (error, message) => new ProduceResult(error, -1, message),
            cancellation,
            resendAfterSilence: false);
    }

    public Task<FetchResult> FetchAsync(string topic, int partition, long offset, int maxBytes, IsolationLevel isolation, int waitMs,
        CancellationToken cancellation = default, int maxRecords = int.MaxValue) =>
        RouteAsync(topic, partition,
            (tp, _) => new FetchRequest(tp, offset, maxBytes, isolation, waitMs, maxRecords),
            (FetchResult r) => r.Error,
            FetchResult.Failed,
            cancellation,
            extraAttemptTime: TimeSpan.FromMilliseconds(waitMs));

    public Task<ListOffsetsResult> ListOffsetsAsync(string topic, int partition, long timestamp, IsolationLevel isolation,
        CancellationToken cancellation = default) =>
        RouteAsync(topic, partition,
            (tp, _) => new ListOffsetsRequest(tp, timestamp, isolation),
            (ListOffsetsResult r) => r.Error,
            (error, message) => new ListOffsetsResult(error, -1, -1, message),
            cancellation);

    public Task<ReplicaStatus> DescribePartitionAsync(string topic, int partition, CancellationToken cancellation = default) =>
        RouteAsync(topic, partition,
            (tp, _) => new DescribeReplica(tp),
            (ReplicaStatus r) => r.Error,
            (error, _) => new ReplicaStatus(error, false, -1, -1, -1, -1, -1, -1, -1),
            cancellation);

    /// <summary>
    /// What one broker's replica of a partition holds, up to its own log end offset, leader
    /// or not (Kafka's replica verification): for operators and tests comparing replicas.
    /// </summary>
    public async Task<FetchResult> ReadReplicaAsync(string topic, int partition, int brokerId, long offset, int maxBytes,
        CancellationToken cancellation = default)
    {
        var (t, error, message) = FindPartition(topic, partition);
        if (t is null || error != ErrorCode.None) return FetchResult.Failed(error, message!);
        if (!t.Partitions[partition].Replicas.Contains(brokerId))
            return FetchResult.Failed(ErrorCode.UnknownTopicOrPartition, $"Broker {brokerId} holds no replica of {topic}-{partition}");
        try
        {
            return await _regions.ForBroker(brokerId).Ask<FetchResult>(
                new ReadReplicaLog(t.PartitionId(partition), offset, maxBytes), Settings.AttemptTimeout, cancellation);
        }
        catch (AskTimeoutException)
        {
            return FetchResult.Failed(ErrorCode.RequestTimedOut, $"Broker {brokerId} did not answer in time");
        }
    }

    /// <summary>
    /// Ask the partition's current leader; when it is not (any more) the leader, or the
    /// controller names another one, try again (following newer metadata) until the request
    /// timeout. A leader that merely stays silent is asked again only when that is harmless
    /// (<paramref name="resendAfterSilence"/>): a produce it may still be appending is given
    /// the whole request time instead, so one request is never written twice by us.
    /// </summary>
    private async Task<TResult> RouteAsync<TResult>(
        string topic,
        int partition,
        Func<TopicIdPartition, int, IReplicaMessage> request,
        Func<TResult, ErrorCode> errorOf,
        Func<ErrorCode, string, TResult> fail,
        CancellationToken cancellation,
        TimeSpan extraAttemptTime = default,
        bool resendAfterSilence = true)
    {
        var deadline = DateTime.UtcNow + Settings.RequestTimeout + extraAttemptTime;
        var lastError = ErrorCode.LeaderNotAvailable;
        var lastMessage = $"{topic}-{partition} has no available leader";
        while (true)
        {
            var metadata = _metadata.Current;
            var (t, error, message) = FindPartition(topic, partition);
            if (t is null || error != ErrorCode.None) return fail(error, message!);

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return fail(lastError, lastMessage);

            var state = t.Partitions[partition];
            if (state.HasLeader)
            {
                var attemptTimeout = resendAfterSilence ? Min(left, Settings.AttemptTimeout + extraAttemptTime) : left;
                // The leader answers before the ask times out, so a timeout means it is gone.
                var leaderTimeout = (int)Math.Max(100, (attemptTimeout - TimeSpan.FromMilliseconds(250)).TotalMilliseconds);
                try
                {
                    var ask = _regions.ForBroker(state.Leader)
                        .Ask<TResult>(request(t.PartitionId(partition), leaderTimeout), attemptTimeout, cancellation);
                    // A leader that died takes the request with it: as soon as the controller
                    // names another leader, go there instead of waiting out the attempt.
                    using var attemptOver = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
                    var moved = LeaderMovedAsync(topic, partition, state.LeaderEpoch, attemptTimeout, attemptOver.Token);
                    if (await Task.WhenAny(ask, moved) != ask)
                    {
                        lastError = ErrorCode.LeaderNotAvailable;
                        lastMessage = $"The leadership of {topic}-{partition} moved";
                        _ = ask.ContinueWith(static a => a.Exception, TaskContinuationOptions.OnlyOnFaulted);
                        continue;
                    }
                    attemptOver.Cancel();
                    var result = await ask;
                    var resultError = errorOf(result);
                    if (resultError is not (ErrorCode.NotLeaderOrFollower or ErrorCode.LeaderNotAvailable or ErrorCode.UnknownTopicOrPartition))
                        return result;
                    lastError = ErrorCode.LeaderNotAvailable;
                    lastMessage = $"The leadership of {topic}-{partition} is moving";
                }
                catch (AskTimeoutException)
                {
                    lastError = ErrorCode.RequestTimedOut;
                    lastMessage = $"Broker {state.Leader}, the leader of {topic}-{partition}, did not answer in time";
                    if (!resendAfterSilence) return fail(lastError, lastMessage);
                }
            }
            await _metadata.WaitForNewerThanAsync(metadata.Version, Min(deadline - DateTime.UtcNow, MetadataWait), cancellation);
        }
    }

    /// <summary>Completes when the metadata names a newer leader epoch for the partition (or never, within the timeout).</summary>
    private async Task LeaderMovedAsync(string topic, int partition, int leaderEpoch, TimeSpan timeout, CancellationToken cancellation)
    {
        var deadline = DateTime.UtcNow + timeout;
        var metadata = _metadata.Current;
        while (!cancellation.IsCancellationRequested)
        {
            var state = metadata.Topic(topic) is { } t && partition < t.Partitions.Length ? t.Partitions[partition] : null;
            if (state is null || state.LeaderEpoch > leaderEpoch) return;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) break;
            metadata = await _metadata.WaitForNewerThanAsync(metadata.Version, left, cancellation).ConfigureAwait(false);
        }
        await Task.Delay(Timeout.Infinite, cancellation).ConfigureAwait(false);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
