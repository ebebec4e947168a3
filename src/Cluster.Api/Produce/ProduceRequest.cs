using Cluster.Domain.Replication;

namespace Cluster.Api.Produce;

/// <summary>How keys, values and header values are written in JSON.</summary>
public enum PayloadEncoding { Utf8, Base64 }

/// <summary>What the parser needs to know about the topic a produce request goes to.</summary>
/// <param name="PartitionCount">The topic's partitions.</param>
/// <param name="NullKeyPartition">Where records with neither key nor partition go (sticky per request).</param>
/// <param name="MaxBatchBytes">The topic's max.message.bytes: no batch may be larger.</param>
/// <param name="TimestampMs">The records' create time.</param>
public readonly record struct ProduceTarget(string Topic, int PartitionCount, int NullKeyPartition, int MaxBatchBytes, long TimestampMs);

/// <summary>The request-level fields of a produce request.</summary>
public sealed record ProduceOptions(
    Acks Acks,
    PayloadEncoding Encoding,
    long? ProducerId,
    short? ProducerEpoch,
    int? BaseSequence,
    string? TransactionalId)
{
    public bool IsIdempotent => ProducerId is not null;
}

/// <summary>One partition's share of a request: record batches to append in this order.</summary>
public sealed class PartitionBatches
{
    public PartitionBatches(int partition) => Partition = partition;

    public int Partition { get; }
    public List<byte[]> Batches { get; } = new();
    public List<int> RecordCounts { get; } = new();
}

/// <summary>Where a record of the request went: its partition's slot, which batch there, which record of it.</summary>
public readonly record struct RecordPlacement(int Slot, int Batch, int OffsetDelta);

/// <summary>A parsed produce request: the batches per partition, and each record's place, in request order.</summary>
public sealed class ParsedProduce
{
    public ParsedProduce(ProduceOptions options, IReadOnlyList<PartitionBatches> partitions, IReadOnlyList<RecordPlacement> records)
    {
        Options = options;
        Partitions = partitions;
        Records = records;
    }

    public ProduceOptions Options { get; }

    /// <summary>In the order the request first mentions each partition.</summary>
    public IReadOnlyList<PartitionBatches> Partitions { get; }

    public IReadOnlyList<RecordPlacement> Records { get; }
}
