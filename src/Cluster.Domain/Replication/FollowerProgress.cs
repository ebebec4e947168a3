using Akka.Actor;

namespace Cluster.Domain.Replication;

/// <summary>A push that the follower has not acknowledged yet.</summary>
internal readonly record struct InFlightPush(long EndOffset, int Bytes, long SentAtMs, bool ReachedLogEnd);

/// <summary>
/// What the leader knows of one follower: the session it opened, its acknowledged log end
/// offset, what is in flight to it, and when it was last caught up (Kafka's
/// lastCaughtUpTimeMs, the basis of ISR shrinking).
/// </summary>
internal sealed class FollowerProgress
{
    public FollowerProgress(int brokerId, long nowMs)
    {
        BrokerId = brokerId;
        // A new leader gives its followers the same grace for answering as for catching up:
        // until replica.lag.time.max passes they count as in sync, as the ISR says.
        LastCaughtUpMs = nowMs;
        LastAckMs = nowMs;
    }

    public int BrokerId { get; }
    public IActorRef? Session { get; set; }
    public long SessionId { get; set; }
    public long LogEndOffset { get; set; } = -1;
    public long NextOffset { get; set; }
    public long LastCaughtUpMs { get; set; }
    public long LastAckMs { get; set; }
    public long LastSentMs { get; set; }
    public bool ReadPending { get; set; }
    public Queue<InFlightPush> InFlight { get; } = new();
    public long InFlightBytes { get; set; }

    public void Restart(long offset)
    {
        NextOffset = offset;
        InFlight.Clear();
        InFlightBytes = 0;
        ReadPending = false;
    }

    /// <summary>An acknowledgement up to <paramref name="logEndOffset"/> settles the pushes it covers.</summary>
    public void Acknowledge(long logEndOffset, long nowMs)
    {
        LastAckMs = nowMs;
        LogEndOffset = Math.Max(LogEndOffset, logEndOffset);
        while (InFlight.TryPeek(out var push) && push.EndOffset <= logEndOffset)
        {
            InFlight.Dequeue();
            InFlightBytes -= push.Bytes;
            if (push.ReachedLogEnd) LastCaughtUpMs = Math.Max(LastCaughtUpMs, push.SentAtMs);
        }
    }
}
