using Akka.Actor;
using Cluster.Domain.Groups;
using Cluster.Domain.Protocol;

namespace Cluster.Domain.Transactions;

/// <summary>
/// The two group coordinator requests of transactions (TxnOffsetCommit and the outcome), asked
/// like <see cref="GroupCoordination"/> asks: attempts with a timeout, retried while the group's
/// coordinator is moving or loading, until the request timeout. Both are safe to repeat.
/// </summary>
public static class GroupTransactionOffsets
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(200);

    public static Task<GroupAck> CommitAsync(GroupCoordination groups, TxnCommitOffsets commit, CancellationToken cancellation = default) =>
        AskAsync(groups, commit, cancellation);

    public static Task<GroupAck> CompleteAsync(GroupCoordination groups, CompleteTxnOffsets complete, CancellationToken cancellation = default) =>
        AskAsync(groups, complete, cancellation);

    private static async Task<GroupAck> AskAsync(GroupCoordination groups, IGroupCommand command, CancellationToken cancellation)
    {
        var deadline = DateTime.UtcNow + groups.Settings.RequestTimeout;
        GroupAck? last = null;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                return last ?? new GroupAck(ErrorCode.CoordinatorNotAvailable,
                    $"The coordinator of group '{command.GroupId}' did not answer within {groups.Settings.RequestTimeout.TotalSeconds:0.#} s; retry");
            try
            {
                var attempt = left < groups.Settings.AttemptTimeout ? left : groups.Settings.AttemptTimeout;
                var result = await groups.Region.Ask<GroupAck>(command, attempt, cancellation).ConfigureAwait(false);
                if (result.Error is not (ErrorCode.CoordinatorNotAvailable or ErrorCode.CoordinatorLoadInProgress or ErrorCode.NotCoordinator))
                    return result;
                last = result;
            }
            catch (AskTimeoutException)
            {
            }
            await Task.Delay(RetryDelay, cancellation).ConfigureAwait(false);
        }
    }
}
