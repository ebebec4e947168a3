using Cluster.Domain.Protocol;
using Cluster.Domain.Replication;
using Xunit;

namespace Cluster.Domain.Tests.Transactions;

/// <summary>
/// The partition leader's side of KIP-890 part 1 as a pure state: one question per producer, its
/// batches queued behind it, a yes kept until the transaction's marker, and a marker that comes
/// while a question is out making its answer worthless.
/// </summary>
public sealed class TransactionVerificationsSpec
{
    private const long Pid = 7;
    private const long Later = 10_000;

    private readonly TransactionVerifications<string> _verifications = new();

    [Fact]
    public void A_yes_releases_the_queued_batches_in_order_and_is_kept_until_the_marker()
    {
        var ask = _verifications.Begin(Pid, 0, "tx", "batch-1", Later);
        Assert.Equal(new VerificationRequest(Pid, 0, "tx", ask.Guard), ask);
        Assert.True(_verifications.IsPending(Pid));
        _verifications.Queue(Pid, 0, "batch-2");

        var outcome = _verifications.Complete(Pid, ask.Guard, verified: true)!;
        Assert.Equal(new[] { "batch-1", "batch-2" }, outcome.Retry);
        Assert.Empty(outcome.Refused);
        Assert.True(_verifications.IsVerified(Pid, 0));
        Assert.False(_verifications.IsVerified(Pid, 1));
        Assert.False(_verifications.IsPending(Pid));

        // The transaction ends here: the next one is asked about again.
        Assert.Null(_verifications.TransactionEnded(Pid, Later));
        Assert.False(_verifications.IsVerified(Pid, 0));
        Assert.Equal(0, _verifications.Count);
    }

    [Fact]
    public void A_no_refuses_the_batches_of_its_epoch_and_lets_another_epoch_ask_for_itself()
    {
        var ask = _verifications.Begin(Pid, 0, "tx", "late", Later);
        _verifications.Queue(Pid, 1, "next-epoch");
        _verifications.Queue(Pid, 0, "late-2");

        var outcome = _verifications.Complete(Pid, ask.Guard, verified: false)!;
        Assert.Equal(new[] { "late", "late-2" }, outcome.Refused);
        Assert.Equal(new[] { "next-epoch" }, outcome.Retry);
        Assert.False(_verifications.IsPending(Pid));
        Assert.Equal(0, _verifications.Count);
    }

    [Fact]
    public void A_marker_while_a_question_is_out_asks_again_and_the_old_answer_is_ignored()
    {
        var first = _verifications.Begin(Pid, 0, "tx", "late", Later);

        // The coordinator said "ongoing" before the markers went out, but the marker is here first.
        var again = _verifications.TransactionEnded(Pid, Later)!.Value;
        Assert.NotEqual(first.Guard, again.Guard);
        Assert.Equal((Pid, (short)0, "tx"), (again.ProducerId, again.ProducerEpoch, again.TransactionalId));
        Assert.Null(_verifications.Complete(Pid, first.Guard, verified: true));
        Assert.True(_verifications.IsPending(Pid));

        var outcome = _verifications.Complete(Pid, again.Guard, verified: false)!;
        Assert.Equal(new[] { "late" }, outcome.Refused);
    }

    [Fact]
    public void Questions_without_an_answer_expire_and_leadership_loss_forgets_everything()
    {
        _verifications.Begin(Pid, 0, "tx", "a", deadlineMs: 100);
        var kept = _verifications.Begin(Pid + 1, 0, "tx-2", "b", deadlineMs: 500);
        _verifications.Complete(Pid + 1, kept.Guard, verified: true);
        _verifications.Begin(Pid + 2, 0, "tx-3", "c", deadlineMs: 500);

        Assert.Equal(new[] { "a" }, _verifications.Expire(nowMs: 200));
        Assert.False(_verifications.IsPending(Pid));
        Assert.True(_verifications.IsVerified(Pid + 1, 0)); // a yes does not expire: the marker ends it

        Assert.Equal(new[] { "c" }, _verifications.Clear());
        Assert.Equal(0, _verifications.Count);
    }

    [Theory]
    [InlineData(ErrorCode.CoordinatorNotAvailable, ErrorCode.NotEnoughReplicas)]
    [InlineData(ErrorCode.CoordinatorLoadInProgress, ErrorCode.NotEnoughReplicas)]
    [InlineData(ErrorCode.NotCoordinator, ErrorCode.NotEnoughReplicas)]
    [InlineData(ErrorCode.ConcurrentTransactions, ErrorCode.NotEnoughReplicas)]
    [InlineData(ErrorCode.RequestTimedOut, ErrorCode.NotEnoughReplicas)]
    [InlineData(ErrorCode.InvalidTxnState, ErrorCode.InvalidTxnState)]
    [InlineData(ErrorCode.ProducerFenced, ErrorCode.ProducerFenced)]
    [InlineData(ErrorCode.InvalidProducerEpoch, ErrorCode.ProducerFenced)]
    [InlineData(ErrorCode.InvalidProducerIdMapping, ErrorCode.InvalidProducerIdMapping)]
    public void Refusals_are_answered_as_Kafka_answers_produce_up_to_version_11(ErrorCode verification, ErrorCode produce) =>
        Assert.Equal(produce, TransactionVerification.ProduceError(verification, "why").Error);
}
