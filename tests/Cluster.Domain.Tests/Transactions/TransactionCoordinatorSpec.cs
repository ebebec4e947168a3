using Akka.Actor;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Domain.Transactions;
using Xunit;

namespace Cluster.Domain.Tests.Transactions;

/// <summary>
/// The coordinator actor over an in-memory log and recorded participants: write before answer,
/// both phases of commit and abort, completing a decision found on start, leases, timeouts,
/// fencing, retries and write failures.
/// </summary>
public sealed class TransactionCoordinatorSpec : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    private static readonly TopicPartition A = new("out", 0);
    private static readonly TopicPartition B = new("out", 1);

    private readonly InMemoryTransactionLog _log = new();
    private readonly RecordingParticipants _participants = new();
    private long _nextProducerId = 100;

    private TransactionSettings _settings = TransactionSettings.Default with
    {
        TimeoutCheckInterval = TimeSpan.FromMilliseconds(20),
        MarkerRetryBackoff = TimeSpan.FromMilliseconds(20),
        RequestLease = TimeSpan.FromSeconds(3),
    };

    public TransactionCoordinatorSpec() : base("akka.loglevel = WARNING") { }

    private IActorRef Coordinator(string id = "tx") => Sys.ActorOf(TransactionCoordinator.Props(id, new TransactionCoordinatorContext(
        _log, _participants, _ => Task.FromResult((ErrorCode.None, Interlocked.Increment(ref _nextProducerId))), _settings, 1,
        () => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())));

    private static long Deadline => DateTimeOffset.UtcNow.AddSeconds(30).ToUnixTimeMilliseconds();

    private static T Ask<T>(IActorRef coordinator, ITransactionCommand command, TimeSpan? wait = null) where T : ITransactionResult =>
        coordinator.Ask<T>(command, wait ?? Wait).GetAwaiter().GetResult();

    private static InitProducerIdResult Init(IActorRef coordinator, int timeoutMs = 60_000)
    {
        var result = Ask<InitProducerIdResult>(coordinator, new InitProducerId("tx", timeoutMs, Deadline));
        Assert.True(result.Error == ErrorCode.None, result.Message);
        return result;
    }

    private static AddToTxnResult Add(IActorRef coordinator, InitProducerIdResult producer, params TopicPartition[] partitions) =>
        Ask<AddToTxnResult>(coordinator, new AddPartitionsToTxn("tx", producer.ProducerId, producer.ProducerEpoch, partitions, Guid.Empty, Deadline));

    private static TransactionAck End(IActorRef coordinator, InitProducerIdResult producer, bool commit, Guid? requestId = null) =>
        Ask<TransactionAck>(coordinator, new EndTxn("tx", producer.ProducerId, producer.ProducerEpoch, commit, requestId ?? Guid.NewGuid(), Deadline));

    private static TransactionMetadata Describe(IActorRef coordinator) =>
        Ask<TransactionDescription>(coordinator, new DescribeTransaction("tx", Deadline)).Metadata!;

    private static void AssertError(ErrorCode expected, ITransactionResult result) =>
        Assert.True(expected == result.Error, $"expected {expected.KafkaName()}, got {result.Error.KafkaName()}: {result.Message}");

    [Fact]
    public void A_commit_writes_prepare_then_a_marker_per_partition_and_the_groups_outcome_then_complete()
    {
        var coordinator = Coordinator();
        var producer = Init(coordinator);
        Assert.Equal((101L, (short)0), (producer.ProducerId, producer.ProducerEpoch));

        var added = Add(coordinator, producer, A);
        Assert.Equal(ErrorCode.None, added.Error);
        Assert.Equal(new TransactionTag(101, 0, 1), added.Transaction);
        Assert.Equal(ErrorCode.None, Add(coordinator, producer, A, B).Error);
        Assert.Equal(ErrorCode.None,
            Ask<AddToTxnResult>(coordinator, new AddOffsetsToTxn("tx", 101, 0, "g", Guid.Empty, Deadline)).Error);

        Assert.Equal(ErrorCode.None, End(coordinator, producer, commit: true).Error);

        // Answered only once every marker and the group's outcome are in.
        Assert.Equal(new[] { new RecordingParticipants.Marker(A, 101, 0, true), new RecordingParticipants.Marker(B, 101, 0, true) },
            _participants.Markers.OrderBy(m => m.Partition.Partition));
        Assert.Equal(new RecordingParticipants.GroupOutcome("g", new TransactionTag(101, 0, 1), true), Assert.Single(_participants.Groups));
        var states = _log.States("tx").Select(s => s.State).ToList();
        Assert.Equal(new[]
        {
            TransactionState.Empty, TransactionState.Ongoing, TransactionState.Ongoing, TransactionState.Ongoing,
            TransactionState.PrepareCommit, TransactionState.CompleteCommit,
        }, states);
        Assert.Equal(TransactionState.CompleteCommit, Describe(coordinator).State);

        // A retry of the commit (a new request, the same epoch): success, nothing written again.
        Assert.Equal(ErrorCode.None, End(coordinator, producer, commit: true).Error);
        Assert.Equal(2, _participants.Markers.Count);
        AssertError(ErrorCode.InvalidTxnState, End(coordinator, producer, commit: false));
    }

    [Fact]
    public void A_decision_found_on_start_is_completed_without_any_request()
    {
        var m = TransactionMetadata.New("tx", 55, 60_000, 0) with
        {
            State = TransactionState.PrepareAbort,
            Partitions = TransactionMetadata.NoPartitions.Add(A).Add(B),
            Groups = TransactionMetadata.NoGroups.Add("g"),
            TransactionNumber = 4,
        };
        _log.Put(m);
        _participants.RefuseMarkers = 3; // and the partitions are not all available at first

        Coordinator();
        AwaitAssert(() => Assert.Equal(TransactionState.CompleteAbort, _log.States("tx").Last().State), Wait);
        Assert.Equal(2, _participants.Markers.Count);
        Assert.All(_participants.Markers, marker => Assert.False(marker.Commit));
        Assert.Equal(new TransactionTag(55, 0, 4), Assert.Single(_participants.Groups).Transaction);
        Assert.True(_participants.Attempts >= 5);
    }

    [Fact]
    public async Task Requests_wait_while_a_decision_is_completed_then_go_on_with_the_next_transaction()
    {
        var coordinator = Coordinator();
        var producer = Init(coordinator);
        Add(coordinator, producer, A);
        _participants.Hold();
        var commit = coordinator.Ask<TransactionAck>(new EndTxn("tx", producer.ProducerId, 0, true, Guid.NewGuid(), Deadline), Wait);
        AwaitAssert(() => Assert.Equal(TransactionState.PrepareCommit, _log.States("tx").Last().State), Wait);
        var next = coordinator.Ask<AddToTxnResult>(new AddPartitionsToTxn("tx", producer.ProducerId, 0, new[] { B }, Guid.Empty, Deadline), Wait);
        await Task.Delay(100);
        Assert.False(commit.IsCompleted);
        Assert.False(next.IsCompleted);

        _participants.Release();
        Assert.Equal(ErrorCode.None, (await commit).Error);
        Assert.Equal(new TransactionTag(producer.ProducerId, 0, 2), (await next).Transaction);
        Assert.Equal(new[] { B }, Describe(coordinator).Partitions);
        // The next transaction's state record stands for the completion too: one write saved.
        Assert.Equal(new[] { TransactionState.PrepareCommit, TransactionState.Ongoing }, _log.States("tx").TakeLast(2).Select(m => m.State));
        Assert.DoesNotContain(TransactionState.CompleteCommit, _log.States("tx").Select(m => m.State));
    }

    [Fact]
    public async Task Markers_wait_for_the_produces_still_in_flight()
    {
        var coordinator = Coordinator();
        var producer = Init(coordinator);
        var lease = Guid.NewGuid();
        Assert.Equal(ErrorCode.None, Ask<AddToTxnResult>(coordinator,
            new AddPartitionsToTxn("tx", producer.ProducerId, 0, new[] { A }, lease, Deadline)).Error);

        var commit = coordinator.Ask<TransactionAck>(new EndTxn("tx", producer.ProducerId, 0, true, Guid.NewGuid(), Deadline), Wait);
        await Task.Delay(300);
        Assert.Empty(_participants.Markers);
        Assert.Equal(TransactionState.PrepareCommit, _log.States("tx").Last().State);

        coordinator.Tell(new TransactionRequestDone("tx", lease));
        Assert.Equal(ErrorCode.None, (await commit).Error);
        Assert.Single(_participants.Markers);
    }

    [Fact]
    public async Task A_verification_is_answered_at_once_even_while_the_markers_wait_for_a_lease()
    {
        var coordinator = Coordinator();
        var producer = Init(coordinator);
        TransactionAck Verify(TopicPartition partition) =>
            Ask<TransactionAck>(coordinator, new VerifyPartitionInTxn("tx", producer.ProducerId, producer.ProducerEpoch, partition, Deadline));

        AssertError(ErrorCode.InvalidTxnState, Verify(A)); // no transaction yet
        var lease = Guid.NewGuid();
        Ask<AddToTxnResult>(coordinator, new AddPartitionsToTxn("tx", producer.ProducerId, 0, new[] { A }, lease, Deadline));
        Assert.Equal(ErrorCode.None, Verify(A).Error);
        AssertError(ErrorCode.InvalidTxnState, Verify(B));
        var written = _log.States("tx").Count;

        var commit = coordinator.Ask<TransactionAck>(new EndTxn("tx", producer.ProducerId, 0, true, Guid.NewGuid(), Deadline), Wait);
        await AwaitAssertAsync(() => Assert.Equal(TransactionState.PrepareCommit, _log.States("tx").Last().State), Wait);
        AssertError(ErrorCode.ConcurrentTransactions, Verify(A));

        coordinator.Tell(new TransactionRequestDone("tx", lease));
        Assert.Equal(ErrorCode.None, (await commit).Error);
        AssertError(ErrorCode.InvalidTxnState, Verify(A));
        // PrepareCommit and CompleteCommit: verifying wrote nothing.
        await AwaitAssertAsync(() => Assert.Equal(written + 2, _log.States("tx").Count), Wait);
    }

    [Fact]
    public void A_lease_that_is_never_returned_holds_the_markers_only_until_it_runs_out()
    {
        _settings = _settings with { RequestLease = TimeSpan.FromMilliseconds(500) };
        var coordinator = Coordinator();
        var producer = Init(coordinator);
        Ask<AddToTxnResult>(coordinator, new AddPartitionsToTxn("tx", producer.ProducerId, 0, new[] { A }, Guid.NewGuid(), Deadline));
        var started = DateTime.UtcNow;
        Assert.Equal(ErrorCode.None, End(coordinator, producer, commit: true).Error);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(4));
    }

    [Fact]
    public void A_transaction_past_its_timeout_is_aborted_and_its_producer_fenced()
    {
        var coordinator = Coordinator();
        var producer = Init(coordinator, timeoutMs: 300);
        Add(coordinator, producer, A, B);

        AwaitAssert(() => Assert.Equal(TransactionState.CompleteAbort, Describe(coordinator).State), Wait);
        Assert.Equal(2, _participants.Markers.Count);
        // The abort markers carry the bumped epoch: the partitions fence the old producer too.
        Assert.All(_participants.Markers, m => Assert.Equal((short)1, m.ProducerEpoch));
        Assert.All(_participants.Markers, m => Assert.False(m.Commit));

        AssertError(ErrorCode.ProducerFenced, End(coordinator, producer, commit: true));
        AssertError(ErrorCode.ProducerFenced, Add(coordinator, producer, A));
        // Its own abort, racing the timeout, gets what it asked for.
        Assert.Equal(ErrorCode.None, End(coordinator, producer, commit: false).Error);

        var again = Init(coordinator, timeoutMs: 60_000);
        Assert.Equal((producer.ProducerId, (short)2), (again.ProducerId, again.ProducerEpoch));
    }

    [Fact]
    public void Init_aborts_the_open_transaction_with_a_fencing_epoch_before_it_answers()
    {
        var coordinator = Coordinator();
        var old = Init(coordinator);
        Add(coordinator, old, A);

        var fresh = Init(coordinator);
        Assert.Equal((old.ProducerId, (short)1), (fresh.ProducerId, fresh.ProducerEpoch));
        var marker = Assert.Single(_participants.Markers);
        Assert.Equal(new RecordingParticipants.Marker(A, old.ProducerId, 1, false), marker);
        Assert.Equal(TransactionState.Empty, Describe(coordinator).State);

        AssertError(ErrorCode.ProducerFenced, End(coordinator, old, commit: false));
        AssertError(ErrorCode.ProducerFenced, Add(coordinator, old, A));
    }

    [Fact]
    public void A_late_copy_of_a_commit_does_not_end_the_next_transaction()
    {
        var coordinator = Coordinator();
        var producer = Init(coordinator);
        Add(coordinator, producer, A);
        var request = Guid.NewGuid();
        Assert.Equal(ErrorCode.None, End(coordinator, producer, commit: true, request).Error);
        Add(coordinator, producer, B);

        Assert.Equal(ErrorCode.None, End(coordinator, producer, commit: true, request).Error);
        var state = Describe(coordinator);
        Assert.Equal((TransactionState.Ongoing, 2L), (state.State, state.TransactionNumber));
        Assert.Single(_participants.Markers);

        // Also after the coordinator moved: the request id is kept with the state.
        Sys.Stop(coordinator);
        var moved = Coordinator();
        Assert.Equal(ErrorCode.None, End(moved, producer, commit: true, request).Error);
        Assert.Equal(TransactionState.Ongoing, Describe(moved).State);
    }

    [Fact]
    public void A_request_past_its_deadline_is_dropped_unanswered()
    {
        var coordinator = Coordinator();
        var producer = Init(coordinator);
        Add(coordinator, producer, A);
        coordinator.Tell(new EndTxn("tx", producer.ProducerId, 0, true, Guid.NewGuid(), DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeMilliseconds()));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal(TransactionState.Ongoing, Describe(coordinator).State);
    }

    [Fact]
    public void A_failed_write_is_answered_with_its_error_and_the_log_has_the_last_word()
    {
        var coordinator = Coordinator();
        var producer = Init(coordinator);
        _log.FailWritesWith = ErrorCode.NotEnoughReplicas;
        AssertError(ErrorCode.NotEnoughReplicas, Add(coordinator, producer, A));
        Assert.Equal(TransactionState.Empty, Describe(coordinator).State);

        // A write that timed out but landed: the coordinator reads it back.
        _log.FailWritesWith = ErrorCode.RequestTimedOut;
        _log.FailedWritesLand = true;
        AssertError(ErrorCode.RequestTimedOut, Add(coordinator, producer, A));
        AwaitAssert(() => Assert.Equal(TransactionState.Ongoing, Describe(coordinator).State), Wait);

        _log.FailWritesWith = ErrorCode.None;
        Assert.Equal(ErrorCode.None, End(coordinator, producer, commit: false).Error);
        Assert.Single(_participants.Markers);
    }

    [Fact]
    public void Unknown_ids_and_other_producer_ids_are_refused_and_bad_timeouts_too()
    {
        var coordinator = Coordinator();
        AssertError(ErrorCode.InvalidProducerIdMapping,
            Ask<AddToTxnResult>(coordinator, new AddPartitionsToTxn("tx", 5, 0, new[] { A }, Guid.Empty, Deadline)));
        AssertError(ErrorCode.InvalidProducerIdMapping, Ask<TransactionAck>(coordinator, new EndTxn("tx", 5, 0, true, Guid.NewGuid(), Deadline)));
        AssertError(ErrorCode.InvalidTransactionTimeout, Ask<InitProducerIdResult>(coordinator, new InitProducerId("tx", 0, Deadline)));
        AssertError(ErrorCode.InvalidTransactionTimeout,
            Ask<InitProducerIdResult>(coordinator, new InitProducerId("tx", _settings.MaxTimeoutMs + 1, Deadline)));
        Assert.Null(Describe(coordinator));
    }

    [Fact]
    public void Exhausted_epochs_get_a_new_producer_id_from_the_allocator()
    {
        _log.Put(TransactionMetadata.New("tx", 9, 60_000, 0) with { ProducerEpoch = short.MaxValue - 1 });
        var coordinator = Coordinator();
        var rotated = Init(coordinator);
        Assert.Equal((101L, (short)0), (rotated.ProducerId, rotated.ProducerEpoch));
        AssertError(ErrorCode.ProducerFenced,
            Ask<AddToTxnResult>(coordinator, new AddPartitionsToTxn("tx", 9, short.MaxValue - 1, new[] { A }, Guid.Empty, Deadline)));
    }
}
