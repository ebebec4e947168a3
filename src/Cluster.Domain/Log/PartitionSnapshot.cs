using Cluster.Domain.Serialization;

namespace Cluster.Domain.Log;

/// <summary>
/// What a replica needs to restart without replaying its whole journal: log bounds, the
/// offset index, the leader-epoch cache, truncation markers and producer state.
/// </summary>
public sealed record PartitionSnapshot(
    long LogStartOffset,
    long LogEndOffset,
    long HighWatermark,
    long NextPosition,
    long BatchesAppended,
    long BytesAppended,
    IndexEntry[] Index,
    EpochEntry[] Epochs,
    Truncation[] Truncations,
    ProducerSnapshot[] Producers,
    AbortedTxn[] Aborted) : IClusterMessage;

public sealed record ProducerSnapshot(long ProducerId, short Epoch, long CurrentTxnFirstOffset, long LastOffset, BatchMetadata[] RecentBatches)
{
    public static ProducerSnapshot From(ProducerStateEntry e) =>
        new(e.ProducerId, e.Epoch, e.CurrentTxnFirstOffset, e.LastOffset, e.RecentBatches.ToArray());

    public ProducerStateEntry ToEntry()
    {
        var entry = new ProducerStateEntry(ProducerId, Epoch) { CurrentTxnFirstOffset = CurrentTxnFirstOffset };
        foreach (var b in RecentBatches) entry.AddBatch(b);
        entry.LastOffset = LastOffset;
        return entry;
    }
}
