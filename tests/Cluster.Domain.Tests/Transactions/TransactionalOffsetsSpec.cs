using Akka.Actor;
using Cluster.Domain.Groups;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Domain.Tests.Groups;
using Xunit;
using static Cluster.Domain.Tests.Groups.GroupDriver;

namespace Cluster.Domain.Tests.Transactions;

/// <summary>
/// The group coordinator's side of consume–transform–produce: offsets sent to a transaction stay
/// pending (never fetched, never described) until its outcome; a commit makes them the group's,
/// an abort drops them; late or repeated words change nothing; all of it is rebuilt from the log.
/// </summary>
public sealed class TransactionalOffsetsSpec : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    private readonly InMemoryGroupLog _log = new();

    public TransactionalOffsetsSpec() : base("akka.loglevel = WARNING") { }

    private static TxnCommitOffsets TxnCommit(long producerId, long transaction, int partition, long offset, string? member = null, int? generation = null) =>
        new("g", producerId, 0, transaction, member, generation, new[] { new OffsetCommit("orders", partition, offset, null) });

    private static long? Committed(GroupState state, int partition) =>
        state.Offsets.TryGetValue(new TopicPartition("orders", partition), out var o) ? o.Offset : null;

    [Fact]
    public void Pending_offsets_are_invisible_until_the_commit_and_dropped_by_an_abort()
    {
        var group = new GroupDriver();
        Assert.Equal(ErrorCode.None, group.Commit(null, null, ("orders", 0, 5)).Error);

        Assert.Equal(ErrorCode.None, ((GroupAck)group.Process(TxnCommit(7, 1, 0, 10)).Reply!).Error);
        Assert.Equal(ErrorCode.None, ((GroupAck)group.Process(TxnCommit(7, 1, 1, 20)).Reply!).Error);
        Assert.Equal(5, Committed(group.State, 0));
        Assert.Null(Committed(group.State, 1));
        Assert.Equal(5, ((FetchOffsetsResult)group.Process(new FetchOffsets("g", null)).Reply!).Offsets.Single().Offset.Offset);
        Assert.Single(((GroupDescription)group.Process(new DescribeGroup("g")).Reply!).Offsets);

        group.Process(new CompleteTxnOffsets("g", 7, 1, Commit: true));
        Assert.Equal(10, Committed(group.State, 0));
        Assert.Equal(20, Committed(group.State, 1));
        Assert.Empty(group.State.PendingTransactions);

        group.Process(TxnCommit(7, 2, 0, 30));
        group.Process(new CompleteTxnOffsets("g", 7, 2, Commit: false));
        Assert.Equal(10, Committed(group.State, 0));
        Assert.Empty(group.State.PendingTransactions);
    }

    [Fact]
    public void A_repeated_or_late_outcome_never_touches_a_later_transaction()
    {
        var group = new GroupDriver();
        group.Process(TxnCommit(7, 1, 0, 10));
        group.Process(new CompleteTxnOffsets("g", 7, 1, Commit: true));
        group.Process(TxnCommit(7, 2, 0, 20));

        // Transaction #1's commit again (a coordinator that failed over does its second phase again).
        var repeat = group.Process(new CompleteTxnOffsets("g", 7, 1, Commit: true));
        Assert.Empty(repeat.Events);
        Assert.Equal(10, Committed(group.State, 0));
        Assert.Equal(2, group.State.PendingTransactions[7].TransactionNumber);

        // Offsets of transaction #1 arriving now (a delayed copy) are refused, not pending.
        AssertError(ErrorCode.InvalidTxnState, (GroupAck)group.Process(TxnCommit(7, 1, 1, 99)).Reply!);
        Assert.Equal(20, group.State.PendingTransactions[7].Offsets.Single().Value.Offset);

        // Another producer's transaction is its own.
        group.Process(TxnCommit(8, 1, 1, 40));
        group.Process(new CompleteTxnOffsets("g", 8, 1, Commit: false));
        Assert.Null(Committed(group.State, 1));
        Assert.Equal(20, group.State.PendingTransactions[7].Offsets.Single().Value.Offset);
    }

    [Fact]
    public void Offsets_a_late_transaction_left_behind_are_dropped_by_the_next_outcome()
    {
        var group = new GroupDriver();
        // Offsets of #3 arrive after #3 ended (their outcome came first): they sit, unseen ...
        group.Process(new CompleteTxnOffsets("g", 7, 3, Commit: true));
        group.Process(TxnCommit(7, 3, 0, 10));
        Assert.Null(Committed(group.State, 0));
        // ... until a later transaction's outcome drops them, commit or not.
        group.Process(new CompleteTxnOffsets("g", 7, 4, Commit: true));
        Assert.Null(Committed(group.State, 0));
        Assert.Empty(group.State.PendingTransactions);
    }

    [Fact]
    public void Members_are_checked_when_named_and_a_producer_need_not_be_one()
    {
        var group = new GroupDriver();
        group.JoinNew("a");
        Assert.Equal(ErrorCode.None, ((GroupAck)group.Process(TxnCommit(7, 1, 0, 10)).Reply!).Error);
        AssertError(ErrorCode.UnknownMemberId, (GroupAck)group.Process(TxnCommit(7, 1, 0, 10, member: "nobody")).Reply!);
        AssertError(ErrorCode.IllegalGeneration, (GroupAck)group.Process(TxnCommit(7, 1, 0, 10, member: "a", generation: 9)).Reply!);
        Assert.Equal(ErrorCode.None, ((GroupAck)group.Process(TxnCommit(7, 1, 0, 11, member: "a", generation: 1)).Reply!).Error);
        AssertError(ErrorCode.UnknownTopicOrPartition, (GroupAck)group.Process(TxnCommit(7, 1, 9, 1)).Reply!);
    }

    private IActorRef Coordinator() => Sys.ActorOf(GroupCoordinator.Props("g", new GroupCoordinatorContext(
        _log, new NoGroupRegistry(), t => t == "orders" ? 4 : null, GroupSettings.Default, 1, () => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())));

    private T Ask<T>(IActorRef coordinator, IGroupCommand command) where T : IGroupResult =>
        coordinator.Ask<T>(command, Wait).GetAwaiter().GetResult();

    private long? Fetched(IActorRef coordinator, int partition) =>
        Ask<FetchOffsetsResult>(coordinator, new FetchOffsets("g", null)).Offsets
            .SingleOrDefault(o => o.Partition == new TopicPartition("orders", partition))?.Offset.Offset;

    [Fact]
    public void A_coordinator_that_starts_elsewhere_rebuilds_pending_and_completed_offsets_from_the_log()
    {
        var first = Coordinator();
        Assert.Equal(ErrorCode.None, Ask<GroupAck>(first, TxnCommit(7, 1, 0, 10)).Error);
        Assert.Equal(ErrorCode.None, Ask<GroupAck>(first, new CompleteTxnOffsets("g", 7, 1, true)).Error);
        Assert.Equal(ErrorCode.None, Ask<GroupAck>(first, TxnCommit(7, 2, 0, 20)).Error);
        Assert.Equal(ErrorCode.None, Ask<GroupAck>(first, TxnCommit(8, 1, 1, 30)).Error);
        Assert.Equal(ErrorCode.None, Ask<GroupAck>(first, new CompleteTxnOffsets("g", 8, 1, false)).Error);
        var writes = _log.Writes;
        Sys.Stop(first);

        // The failover: everything comes back from the log, pending offsets still hidden.
        var second = Coordinator();
        Assert.Equal(10, Fetched(second, 0));
        Assert.Null(Fetched(second, 1));
        // The outcome of transaction #2 reaches the new coordinator: now they count.
        Assert.Equal(ErrorCode.None, Ask<GroupAck>(second, new CompleteTxnOffsets("g", 7, 2, true)).Error);
        Assert.Equal(20, Fetched(second, 0));
        // A repeat writes nothing.
        Assert.Equal(ErrorCode.None, Ask<GroupAck>(second, new CompleteTxnOffsets("g", 7, 2, true)).Error);
        Assert.Equal(writes + 1, _log.Writes);
        Sys.Stop(second);

        var third = Coordinator();
        Assert.Equal(20, Fetched(third, 0));
        Assert.Null(Fetched(third, 1));
    }

    [Fact]
    public void The_records_are_read_back_as_the_events_that_wrote_them()
    {
        var pending = new TxnOffsetsPending(7, 3, 12, System.Collections.Immutable.ImmutableArray.Create(
            new CommittedOffset(new TopicPartition("orders", 2), new OffsetAndMetadata(44, "meta", 1234))));
        var completed = new TxnOffsetsCompleted(7, 12, true);
        var batch = new RecordBatch(OffsetsTopic.BuildBatch("g", new IDurableGroupEvent[] { pending, completed }, 1234));
        var replay = new GroupLogReplay("g");
        replay.Add(batch, 0);
        Assert.Equal(2, replay.Events.Count);
        var readPending = Assert.IsType<TxnOffsetsPending>(replay.Events[0]);
        Assert.Equal((7L, (short)3, 12L), (readPending.ProducerId, readPending.ProducerEpoch, readPending.TransactionNumber));
        Assert.Equal(pending.Offsets.ToList(), readPending.Offsets.ToList());
        Assert.Equal(completed, replay.Events[1]);
        // Another group sharing the partition does not see them.
        var other = new GroupLogReplay("h");
        other.Add(batch, 0);
        Assert.Empty(other.Events);
        Assert.Equal("g", OffsetsTopic.GroupOf(OffsetsTopic.TxnOffsetsKey("g", 7)));
    }
}
