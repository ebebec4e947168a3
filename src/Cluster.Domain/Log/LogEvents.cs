using Cluster.Domain.Serialization;

namespace Cluster.Domain.Log;

/// <summary>
/// The journal of a partition replica is its log. Most events are record batches, stored as
/// Kafka RecordBatch v2 bytes with base offset and leader epoch already set.
/// </summary>
public interface ILogEvent : IClusterMessage;

public sealed record BatchAppended(byte[] Batch) : ILogEvent;

/// <summary>
/// A leader starts its epoch at its log end offset (Kafka's leader-epoch cache entry), before
/// it appends anything, so followers can find where their logs diverge (KIP-101).
/// </summary>
public sealed record LeaderEpochStarted(int Epoch, long StartOffset) : ILogEvent;

/// <summary>
/// A follower drops the suffix at and above <paramref name="Offset"/>. The journal cannot
/// delete a suffix, so every batch persisted before this event at or above the offset is
/// dead from now on, and readers skip it.
/// </summary>
public sealed record LogTruncated(long Offset) : ILogEvent;

/// <summary>
/// Retention (or a follower reset) moved the log start; older batches get deleted. When the
/// new start falls inside the oldest index span, <see cref="SplitSeqNr"/> and
/// <see cref="SplitBytes"/> say where the kept part of that span begins in the journal, so
/// retention works batch by batch although the index is sparse.
/// </summary>
public sealed record LogStartOffsetAdvanced(long Offset, long SplitSeqNr = -1, long SplitBytes = 0) : ILogEvent;
