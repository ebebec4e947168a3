namespace Cluster.Domain.Log;

// The keyed half of Kafka's default partitioning (BuiltInPartitioner.partitionForKey).
// Records without a key are spread by the producer, not here.
public static class DefaultPartitioner
{
    public static int PartitionForKey(ReadOnlySpan<byte> keyBytes, int numPartitions)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numPartitions);
        return ToPositive(Murmur2.Hash(keyBytes)) % numPartitions;
    }

    // Utils.toPositive: masks the sign bit instead of Math.Abs, which would keep int.MinValue negative.
    public static int ToPositive(int number) => number & 0x7fffffff;
}
