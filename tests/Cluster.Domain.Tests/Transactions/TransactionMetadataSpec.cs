using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Domain.Transactions;
using Xunit;

namespace Cluster.Domain.Tests.Transactions;

/// <summary>The coordinator's rules as pure functions: transitions, epochs, timeouts, fencing, retries.</summary>
public sealed class TransactionMetadataSpec
{
    private const long Pid = 7;
    private static readonly TopicPartition A = new("out", 0);
    private static readonly TopicPartition B = new("out", 1);

    private long _now = 1_000_000;

    /// <summary>Applies a decision as the coordinator does after a successful write.</summary>
    private static TransactionMetadata Written(TransactionDecision decision)
    {
        Assert.True(decision.Error == ErrorCode.None, $"{decision.Error.KafkaName()}: {decision.Message}");
        Assert.NotNull(decision.Next);
        return decision.Next!;
    }

    private TransactionMetadata Fresh(int timeoutMs = 60_000) =>
        Written(TransactionMetadata.InitFirst("tx", timeoutMs, _now, freshProducerId: Pid));

    private TransactionMetadata Ongoing(TransactionMetadata m, params TopicPartition[] partitions) =>
        Written(m.AddPartitions(m.ProducerId, m.ProducerEpoch, partitions.Length == 0 ? new[] { A } : partitions, _now));

    /// <summary>Commit or abort through both phases: Prepare* written, markers (not modelled), Complete* written.</summary>
    private TransactionMetadata End(TransactionMetadata m, bool commit, Guid? requestId = null)
    {
        var decision = m.EndTransaction(m.ProducerId, m.ProducerEpoch, commit, requestId ?? Guid.NewGuid(), _now);
        Assert.Equal(TransactionFollowUp.WriteThenComplete, decision.FollowUp);
        var prepared = Written(decision);
        Assert.Equal(commit ? TransactionState.PrepareCommit : TransactionState.PrepareAbort, prepared.State);
        return prepared.Complete(_now);
    }

    private static void AssertError(ErrorCode expected, TransactionDecision decision)
    {
        Assert.True(expected == decision.Error, $"expected {expected.KafkaName()}, got {decision.Error.KafkaName()}: {decision.Message}");
        Assert.Null(decision.Next);
    }

    [Fact]
    public void An_unknown_id_needs_a_producer_id_and_then_starts_empty_at_epoch_0()
    {
        Assert.Equal(TransactionFollowUp.NeedProducerId, TransactionMetadata.InitFirst("tx", 60_000, _now, null).FollowUp);
        var m = Fresh();
        Assert.Equal((Pid, (short)0, TransactionState.Empty), (m.ProducerId, m.ProducerEpoch, m.State));
        Assert.Empty(m.Partitions);
    }

    [Fact]
    public void Init_again_bumps_the_epoch_and_fences_the_old_one()
    {
        var first = Fresh();
        var second = Written(first.InitProducerId(30_000, _now, null));
        Assert.Equal((Pid, (short)1, 30_000), (second.ProducerId, second.ProducerEpoch, second.TimeoutMs));

        AssertError(ErrorCode.ProducerFenced, second.AddPartitions(Pid, 0, new[] { A }, _now));
        AssertError(ErrorCode.ProducerFenced, second.EndTransaction(Pid, 0, true, Guid.NewGuid(), _now));
        AssertError(ErrorCode.ProducerFenced, second.AddGroup(Pid, 0, "g", _now));
    }

    [Fact]
    public void The_first_partition_begins_a_transaction_and_more_partitions_join_it()
    {
        var m = Ongoing(Fresh());
        Assert.Equal(TransactionState.Ongoing, m.State);
        Assert.Equal(1, m.TransactionNumber);
        Assert.Equal(_now, m.StartTimestampMs);

        // Already in: nothing to write.
        Assert.Same(TransactionDecision.Ok, m.AddPartitions(Pid, 0, new[] { A }, _now));
        m = Written(m.AddPartitions(Pid, 0, new[] { A, B }, _now));
        Assert.Equal(new[] { A, B }, m.Partitions);
        m = Written(m.AddGroup(Pid, 0, "g", _now));
        Assert.Equal(new[] { "g" }, m.Groups);
        Assert.Equal(1, m.TransactionNumber);
    }

    [Fact]
    public void Offsets_alone_begin_a_transaction_too()
    {
        var m = Written(Fresh().AddGroup(Pid, 0, "g", _now));
        Assert.Equal((TransactionState.Ongoing, 1L), (m.State, m.TransactionNumber));
        Assert.Empty(m.Partitions);
    }

    [Fact]
    public void Commit_goes_through_prepare_to_complete_and_the_next_produce_begins_a_new_transaction()
    {
        var m = End(Ongoing(Fresh(), A, B), commit: true);
        Assert.Equal(TransactionState.CompleteCommit, m.State);
        Assert.Equal(new[] { A, B }, m.Partitions); // kept for describing the last transaction

        var next = Written(m.AddPartitions(Pid, 0, new[] { B }, _now));
        Assert.Equal((TransactionState.Ongoing, 2L), (next.State, next.TransactionNumber));
        Assert.Equal(new[] { B }, next.Partitions);
        Assert.Empty(next.Groups);
    }

    [Fact]
    public void Ending_without_an_open_transaction_is_INVALID_TXN_STATE()
    {
        var m = Fresh();
        AssertError(ErrorCode.InvalidTxnState, m.EndTransaction(Pid, 0, true, Guid.NewGuid(), _now));
        AssertError(ErrorCode.InvalidTxnState, m.EndTransaction(Pid, 0, false, Guid.NewGuid(), _now));

        var committed = End(Ongoing(m), commit: true);
        AssertError(ErrorCode.InvalidTxnState, committed.EndTransaction(Pid, 0, false, Guid.NewGuid(), _now));
        var aborted = End(Ongoing(committed), commit: false);
        AssertError(ErrorCode.InvalidTxnState, aborted.EndTransaction(Pid, 0, true, Guid.NewGuid(), _now));
    }

    [Fact]
    public void A_commit_retried_after_it_succeeded_is_answered_with_success_as_Kafka_does()
    {
        var committed = End(Ongoing(Fresh()), commit: true);
        // Another request (a client retry after a lost answer), same epoch, same outcome.
        Assert.Same(TransactionDecision.Ok, committed.EndTransaction(Pid, 0, true, Guid.NewGuid(), _now));
        var aborted = End(Ongoing(committed), commit: false);
        Assert.Same(TransactionDecision.Ok, aborted.EndTransaction(Pid, 0, false, Guid.NewGuid(), _now));
    }

    [Fact]
    public void A_late_copy_of_the_request_that_committed_cannot_end_the_next_transaction()
    {
        var request = Guid.NewGuid();
        var next = Ongoing(End(Ongoing(Fresh()), commit: true, request), B);
        Assert.Equal(2, next.TransactionNumber);

        // The same request arrives again while transaction #2 is open: answered, nothing decided.
        var late = next.EndTransaction(Pid, 0, true, request, _now);
        Assert.Same(TransactionDecision.Ok, late);
        // Even an abort request id that decided #1 cannot abort #2.
        var abortRequest = Guid.NewGuid();
        var third = Ongoing(End(next, commit: false, abortRequest));
        Assert.Same(TransactionDecision.Ok, third.EndTransaction(Pid, 0, false, abortRequest, _now));
        Assert.Equal(TransactionState.Ongoing, third.State);
    }

    [Fact]
    public void A_request_that_arrives_while_the_outcome_is_being_written_waits_for_it()
    {
        var prepared = Written(Ongoing(Fresh()).EndTransaction(Pid, 0, true, Guid.NewGuid(), _now));
        Assert.Equal(TransactionFollowUp.WaitForCompletion, prepared.EndTransaction(Pid, 0, true, Guid.NewGuid(), _now).FollowUp);
        AssertError(ErrorCode.InvalidTxnState, prepared.EndTransaction(Pid, 0, false, Guid.NewGuid(), _now));
        Assert.Equal(TransactionFollowUp.WaitForCompletion, prepared.AddPartitions(Pid, 0, new[] { B }, _now).FollowUp);
        Assert.Equal(TransactionFollowUp.WaitForCompletion, prepared.InitProducerId(60_000, _now, null).FollowUp);
    }

    [Fact]
    public void A_transaction_past_its_timeout_is_aborted_with_the_epoch_bumped()
    {
        var m = Ongoing(Fresh(timeoutMs: 1000));
        Assert.Same(TransactionDecision.Ok, m.TimeOut(_now + 1000));
        var decision = m.TimeOut(_now + 1001);
        Assert.Equal(TransactionFollowUp.WriteThenComplete, decision.FollowUp);
        var fenced = decision.Next!;
        Assert.Equal((TransactionState.PrepareAbort, (short)1, (short)0), (fenced.State, fenced.ProducerEpoch, fenced.LastProducerEpoch));

        var aborted = fenced.Complete(_now);
        // The producer is fenced: no more produces or commits with epoch 0.
        AssertError(ErrorCode.ProducerFenced, aborted.AddPartitions(Pid, 0, new[] { A }, _now));
        AssertError(ErrorCode.ProducerFenced, aborted.EndTransaction(Pid, 0, true, Guid.NewGuid(), _now));
        // Its own abort, racing the timeout, asked for what happened: success.
        Assert.Same(TransactionDecision.Ok, aborted.EndTransaction(Pid, 0, false, Guid.NewGuid(), _now));
        Assert.Equal(TransactionFollowUp.WaitForCompletion, fenced.EndTransaction(Pid, 0, false, Guid.NewGuid(), _now).FollowUp);

        // It starts again with a new epoch.
        var again = Written(aborted.InitProducerId(1000, _now, null));
        Assert.Equal((short)2, again.ProducerEpoch);
        AssertError(ErrorCode.ProducerFenced, again.EndTransaction(Pid, 0, false, Guid.NewGuid(), _now));
    }

    [Fact]
    public void The_producers_own_abort_before_the_timeout_leaves_nothing_for_the_timeout()
    {
        var aborted = End(Ongoing(Fresh(timeoutMs: 1000)), commit: false);
        Assert.Same(TransactionDecision.Ok, aborted.TimeOut(_now + 5000));
        Assert.Equal((short)0, aborted.ProducerEpoch);
    }

    [Fact]
    public void Init_with_an_open_transaction_aborts_it_with_the_bumped_epoch_and_hands_that_epoch_out()
    {
        var m = Ongoing(Fresh(), A, B);
        var decision = m.InitProducerId(60_000, _now, null);
        Assert.Equal(TransactionFollowUp.WriteThenComplete, decision.FollowUp);
        var fencing = decision.Next!;
        Assert.Equal((TransactionState.PrepareAbort, (short)1), (fencing.State, fencing.ProducerEpoch));
        Assert.Equal(new[] { A, B }, fencing.Partitions);
        // A replaced producer's abort is not answered as its own.
        Assert.Equal(TransactionMetadata.NoProducerEpoch, fencing.LastProducerEpoch);

        var aborted = fencing.Complete(_now);
        AssertError(ErrorCode.ProducerFenced, aborted.EndTransaction(Pid, 0, false, Guid.NewGuid(), _now));
        // The request that fenced goes on with the fencing epoch: one bump in all.
        var initialised = Written(aborted.InitProducerId(30_000, _now, null, afterFence: true));
        Assert.Equal((Pid, (short)1, TransactionState.Empty, 30_000), (initialised.ProducerId, initialised.ProducerEpoch, initialised.State, initialised.TimeoutMs));
        Assert.Empty(initialised.Partitions);
        // Any other InitProducerId bumps again.
        Assert.Equal(2, Written(aborted.InitProducerId(60_000, _now, null)).ProducerEpoch);
    }

    [Fact]
    public void Exhausted_epochs_give_the_id_a_new_producer_id()
    {
        var m = Fresh() with { ProducerEpoch = short.MaxValue - 2 };
        m = Written(m.InitProducerId(60_000, _now, null));
        Assert.Equal(short.MaxValue - 1, m.ProducerEpoch);
        Assert.True(m.IsEpochExhausted);

        Assert.Equal(TransactionFollowUp.NeedProducerId, m.InitProducerId(60_000, _now, null).FollowUp);
        var rotated = Written(m.InitProducerId(60_000, _now, freshProducerId: 99));
        Assert.Equal((99L, (short)0, Pid), (rotated.ProducerId, rotated.ProducerEpoch, rotated.PreviousProducerId));
        // The old producer id is fenced, not an unknown mapping.
        AssertError(ErrorCode.ProducerFenced, rotated.AddPartitions(Pid, short.MaxValue - 1, new[] { A }, _now));
        AssertError(ErrorCode.InvalidProducerIdMapping, rotated.AddPartitions(12345, 0, new[] { A }, _now));
    }

    [Fact]
    public void Fencing_an_open_transaction_at_the_last_epoch_does_not_overflow()
    {
        var m = Ongoing(Fresh() with { ProducerEpoch = short.MaxValue - 1 });
        var fenced = m.InitProducerId(60_000, _now, null).Next!;
        Assert.Equal(short.MaxValue, fenced.ProducerEpoch);
        var aborted = fenced.Complete(_now);
        Assert.Equal(TransactionFollowUp.NeedProducerId, aborted.InitProducerId(60_000, _now, null, afterFence: true).FollowUp);
        Assert.Equal(TransactionFollowUp.NeedProducerId, aborted.InitProducerId(60_000, _now, null).FollowUp);
        Assert.Equal(0, Written(aborted.InitProducerId(60_000, _now, 100)).ProducerEpoch);
    }

    [Fact]
    public void Another_producer_id_or_an_epoch_never_handed_out_is_refused()
    {
        var m = Ongoing(Fresh());
        AssertError(ErrorCode.InvalidProducerIdMapping, m.AddPartitions(8, 0, new[] { A }, _now));
        AssertError(ErrorCode.InvalidProducerIdMapping, m.EndTransaction(8, 0, true, Guid.NewGuid(), _now));
        AssertError(ErrorCode.ProducerFenced, m.AddPartitions(Pid, 5, new[] { A }, _now));
    }

    [Fact]
    public void The_state_survives_its_record_format()
    {
        var m = Written(Ongoing(Fresh(), A, B).AddGroup(Pid, 0, "g-1", _now)) with
        {
            PreviousProducerId = 3,
            LastProducerEpoch = 4,
            EndRequestId = Guid.NewGuid(),
        };
        var batch = new RecordBatch(TransactionStateTopic.BuildBatch(m, _now));
        var record = Assert.Single(batch.Records);
        Assert.Equal("tx", TransactionStateTopic.TransactionalIdOf(record.Key!.Value.Span));
        var back = TransactionStateTopic.ReadValue("tx", record.Value!.Value.Span);
        Assert.Equal(m with { Partitions = back.Partitions, Groups = back.Groups }, back);
        Assert.Equal(m.Partitions, back.Partitions);
        Assert.Equal(m.Groups, back.Groups);
        Assert.Null(TransactionStateTopic.TransactionalIdOf(new byte[] { 0, 9, 0, 1, 65 }));
    }

    [Fact]
    public void Verification_says_yes_only_for_a_partition_of_the_ongoing_transaction()
    {
        var empty = Fresh();
        AssertError(ErrorCode.InvalidTxnState, empty.VerifyPartition(Pid, 0, A));

        var ongoing = Ongoing(empty, A);
        var yes = ongoing.VerifyPartition(Pid, 0, A);
        Assert.Equal((ErrorCode.None, TransactionFollowUp.Reply), (yes.Error, yes.FollowUp));
        Assert.Null(yes.Next); // read only
        AssertError(ErrorCode.InvalidTxnState, ongoing.VerifyPartition(Pid, 0, B));

        // Being completed: ask again later (the batch's produce may hold the lease the markers wait for).
        var preparing = Written(ongoing.EndTransaction(Pid, 0, commit: true, Guid.NewGuid(), _now));
        AssertError(ErrorCode.ConcurrentTransactions, preparing.VerifyPartition(Pid, 0, A));

        // Committed: a batch of it that comes now is late.
        var committed = preparing.Complete(_now);
        AssertError(ErrorCode.InvalidTxnState, committed.VerifyPartition(Pid, 0, A));

        AssertError(ErrorCode.ProducerFenced, ongoing.VerifyPartition(Pid, 1, A));
        AssertError(ErrorCode.InvalidProducerIdMapping, ongoing.VerifyPartition(Pid + 1, 0, A));
    }
}
