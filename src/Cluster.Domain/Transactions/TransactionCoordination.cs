using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Cluster.Domain.Client;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;

namespace Cluster.Domain.Transactions;

/// <summary>
/// A node's part in transactions: the <c>transaction-coordinator</c> shard region (on every
/// broker; ids spread over the nodes and move when one fails), the node's
/// <see cref="ProducerIdManager"/>, the <see cref="TransactionRecovery"/> that wakes
/// coordinators with unfinished work, and the way in for the front doors: asks with timeouts
/// and bounded retries, so a request follows a coordinator that moved. One per ActorSystem;
/// <see cref="For"/> finds it.
/// </summary>
public sealed class TransactionCoordination
{
    public const string TypeName = "transaction-coordinator";
    private const string BrokerRole = "broker";
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(200);
    private static readonly ConditionalWeakTable<ActorSystem, TransactionCoordination> BySystem = new();

    private TransactionCoordination(IActorRef region, TransactionSettings settings, ProducerIdManager producerIds)
    {
        Region = region;
        Settings = settings;
        ProducerIds = producerIds;
    }

    public IActorRef Region { get; }
    public TransactionSettings Settings { get; }

    /// <summary>The node's producer ids: also for idempotent producers without a transactional id.</summary>
    public ProducerIdManager ProducerIds { get; }

    /// <summary>Starts the region and the recovery on this node (BrokerNode does, after the gateway exists).</summary>
    public static TransactionCoordination Start(ActorSystem system, BrokerGateway gateway, int brokerId)
    {
        var settings = TransactionSettings.From(system.Settings.Config);
        var cluster = Akka.Cluster.Cluster.Get(system);
        var log = new TransactionStateTopicLog(gateway, settings, () => cluster.State.Members.Count(m =>
            m.Status == Akka.Cluster.MemberStatus.Up && m.HasRole(BrokerRole) && !cluster.State.Unreachable.Contains(m)));
        var producerIds = ProducerIdManager.For(system, gateway, settings.ProducerIdBlockSize);
        var coordination = Start(system, settings, log, new ClusterTransactionParticipants(gateway, system), producerIds, brokerId);
        system.ActorOf(TransactionRecovery.Props(brokerId, log, coordination.Region, settings), "transaction-recovery");
        return coordination;
    }

    public static TransactionCoordination Start(ActorSystem system, TransactionSettings settings, ITransactionStateLog log,
        ITransactionParticipants participants, ProducerIdManager producerIds, int brokerId)
    {
        var context = new TransactionCoordinatorContext(log, participants, producerIds.NextAsync, settings, brokerId,
            () => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var sharding = ClusterSharding.Get(system);
        var region = sharding.Start(TypeName, id => TransactionCoordinator.Props(id, context),
            sharding.Settings.WithRole(BrokerRole).WithRememberEntities(false), new TransactionMessageExtractor(settings.NumberOfShards));
        var coordination = new TransactionCoordination(region, settings, producerIds);
        BySystem.AddOrUpdate(system, coordination);
        return coordination;
    }

    public static TransactionCoordination For(ActorSystem system) =>
        BySystem.TryGetValue(system, out var coordination)
            ? coordination
            : throw new InvalidOperationException("Transactions are not started on this node");

    // ---------------------------------------------------------------- client side

    public Task<InitProducerIdResult> InitProducerIdAsync(string transactionalId, int transactionTimeoutMs, CancellationToken cancellation = default) =>
        AskAsync<InitProducerIdResult>(deadline => new InitProducerId(transactionalId, transactionTimeoutMs, deadline),
            // The id's open transaction is aborted (markers written) before the answer.
            Settings.EndTimeout, InitProducerIdResult.Failed, cancellation);

    public Task<AddToTxnResult> AddPartitionsAsync(string transactionalId, long producerId, short producerEpoch,
        IReadOnlyList<TopicPartition> partitions, Guid leaseId, CancellationToken cancellation = default) =>
        AskAsync<AddToTxnResult>(deadline => new AddPartitionsToTxn(transactionalId, producerId, producerEpoch, partitions, leaseId, deadline),
            Settings.RequestTimeout, AddToTxnResult.Failed, cancellation);

    public Task<AddToTxnResult> AddOffsetsAsync(string transactionalId, long producerId, short producerEpoch, string groupId, Guid leaseId,
        CancellationToken cancellation = default) =>
        AskAsync<AddToTxnResult>(deadline => new AddOffsetsToTxn(transactionalId, producerId, producerEpoch, groupId, leaseId, deadline),
            Settings.RequestTimeout, AddToTxnResult.Failed, cancellation);

    /// <summary>Commit or abort. <paramref name="requestId"/>: one per client request (its retries here share it).</summary>
    public Task<TransactionAck> EndTransactionAsync(string transactionalId, long producerId, short producerEpoch, bool commit, Guid requestId,
        CancellationToken cancellation = default) =>
        AskAsync<TransactionAck>(deadline => new EndTxn(transactionalId, producerId, producerEpoch, commit, requestId, deadline),
            Settings.EndTimeout, (error, message) => new TransactionAck(error, message), cancellation);

    /// <summary>
    /// A partition leader's check that <paramref name="partition"/> is in the producer's ongoing
    /// transaction (KIP-890 part 1), asked for at most <paramref name="timeout"/>. A transaction
    /// being completed is answered CONCURRENT_TRANSACTIONS at once, not asked again: the
    /// batch's produce may hold the lease those markers wait for.
    /// </summary>
    public Task<TransactionAck> VerifyPartitionAsync(string transactionalId, long producerId, short producerEpoch, TopicPartition partition,
        TimeSpan timeout, CancellationToken cancellation = default) =>
        AskAsync<TransactionAck>(deadline => new VerifyPartitionInTxn(transactionalId, producerId, producerEpoch, partition, deadline),
            timeout, (error, message) => new TransactionAck(error, message), cancellation);

    public Task<TransactionDescription> DescribeAsync(string transactionalId, CancellationToken cancellation = default) =>
        AskAsync<TransactionDescription>(deadline => new DescribeTransaction(transactionalId, deadline),
            Settings.RequestTimeout, TransactionDescription.Failed, cancellation);

    /// <summary>The produce or offsets call that took <paramref name="leaseId"/> is over: the transaction's markers need not wait for it.</summary>
    public void ReleaseLease(string transactionalId, Guid leaseId) => Region.Tell(new TransactionRequestDone(transactionalId, leaseId));

    /// <summary>
    /// Ask the id's coordinator until <paramref name="total"/> has passed; then the last
    /// retriable error or COORDINATOR_NOT_AVAILABLE. "Not available / loading / busy" answers
    /// are asked again after a short pause (not a verification's CONCURRENT_TRANSACTIONS: see
    /// <see cref="VerifyPartitionAsync"/>). While no answer has come, another copy of the same
    /// request goes out every attempt timeout and the earlier ones stay outstanding: a slow
    /// coordinator (a commit waits for its markers) still answers, a dead one's successor answers
    /// the next copy as soon as sharding has moved the id. Copies are harmless: adding a partition
    /// or a group twice changes nothing, and commits and aborts are recognised by their request
    /// id. InitProducerId is the exception (each one bumps the epoch, so an answer overtaken by a
    /// later copy would hand out a fenced epoch): it is asked one attempt at a time, with an
    /// attempt long enough for the abort it may have to do first. Every copy carries the same
    /// deadline; the coordinator drops one that arrives after it.
    /// </summary>
    private async Task<TResult> AskAsync<TResult>(Func<long, ITransactionCommand> command, TimeSpan total,
        Func<ErrorCode, string, TResult> fail, CancellationToken cancellation)
        where TResult : ITransactionResult
    {
        var deadline = DateTime.UtcNow + total;
        var request = command(new DateTimeOffset(deadline).ToUnixTimeMilliseconds());
        var copies = request is not InitProducerId;
        var attempt = copies ? Settings.AttemptTimeout : Settings.RequestLease + Settings.AttemptTimeout;
        var outstanding = new List<Task<TResult>>();
        TResult? last = default;
        try
        {
            while (true)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    if (last is not null && last.Error is not (ErrorCode.CoordinatorLoadInProgress or ErrorCode.ConcurrentTransactions)) return last;
                    return fail(ErrorCode.CoordinatorNotAvailable,
                        $"The coordinator of transactional id '{request.TransactionalId}' did not answer within {total.TotalSeconds:0.#} s; retry");
                }
                outstanding.Add(Region.Ask<TResult>(request, copies || left < attempt ? left : attempt, cancellation));
                var resend = Task.Delay(left < attempt ? left : attempt, cancellation);
                while (outstanding.Count > 0)
                {
                    var done = await Task.WhenAny(outstanding.Append<Task>(resend)).ConfigureAwait(false);
                    if (done == resend) break;
                    var answered = (Task<TResult>)done;
                    outstanding.Remove(answered);
                    if (!answered.IsCompletedSuccessfully) continue; // timed out
                    var result = answered.Result;
                    var askAgain = result.Error is ErrorCode.CoordinatorNotAvailable or ErrorCode.CoordinatorLoadInProgress or ErrorCode.NotCoordinator
                        || result.Error == ErrorCode.ConcurrentTransactions && request is not VerifyPartitionInTxn;
                    if (!askAgain) return result;
                    last = result;
                    await Task.Delay(RetryDelay, cancellation).ConfigureAwait(false);
                    break;
                }
                if (outstanding.Count == 0 && !resend.IsCompleted && last is null) await resend.ConfigureAwait(false);
                cancellation.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            // Copies still out answer to nobody or time out: observe them.
            foreach (var copy in outstanding) _ = copy.ContinueWith(static t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        }
    }

    private sealed class TransactionMessageExtractor(int shards) : HashCodeMessageExtractor(shards)
    {
        public override string? EntityId(object message) => (message as ITransactionCommand)?.TransactionalId;
    }
}
