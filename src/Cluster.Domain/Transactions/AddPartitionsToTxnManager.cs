using Akka.Actor;
using Cluster.Domain.Protocol;
using Cluster.Domain.Replication;

namespace Cluster.Domain.Transactions;

/// <summary>
/// Kafka's AddPartitionsToTxnManager, one per node: the node's partition leaders send it their
/// <see cref="VerifyTransaction"/> questions (KIP-890 part 1) and it asks the transactional id's
/// coordinator, wherever it runs, following it when it moves (<see cref="TransactionCoordination"/>'s
/// asks), and answers <see cref="TransactionVerified"/> within the question's timeout. It never
/// answers yes without the coordinator's yes: no coordinator, no answer in time or any failure is
/// an error the leader refuses the batch with (a retriable one).
/// </summary>
public sealed class AddPartitionsToTxnManager : ReceiveActor
{
    public const string Name = "add-partitions-to-txn-manager";

    public AddPartitionsToTxnManager()
    {
        // Started before the transaction coordination (the replicas need it first): look it up per question.
        Receive<VerifyTransaction>(verify => VerifyAsync(Context.System, verify).PipeTo(Sender));
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new AddPartitionsToTxnManager());

    private static async Task<TransactionVerified> VerifyAsync(ActorSystem system, VerifyTransaction verify)
    {
        try
        {
            var ack = await TransactionCoordination.For(system).VerifyPartitionAsync(verify.TransactionalId, verify.ProducerId,
                verify.ProducerEpoch, verify.Partition, verify.Timeout).ConfigureAwait(false);
            return new TransactionVerified(verify.ProducerId, verify.Guard, ack.Error, ack.Message);
        }
        catch (Exception e)
        {
            return new TransactionVerified(verify.ProducerId, verify.Guard, ErrorCode.CoordinatorNotAvailable,
                $"The coordinator of '{verify.TransactionalId}' could not be asked: {e.GetBaseException().Message}");
        }
    }
}
