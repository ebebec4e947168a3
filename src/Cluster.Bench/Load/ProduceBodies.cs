using System.Text;

namespace Cluster.Bench.Load;

/// <summary>
/// Pre-serialized produce request bodies. A body is built once per in-flight slot; before each
/// send only the fixed-width fields are patched in place: the partition (a number padded with
/// spaces, which JSON allows) and every record value's leading 16-digit send stamp
/// (microseconds since the run's epoch, read back by the consumers for end-to-end latency).
/// The rest of each value is filler of the requested record size.
/// </summary>
public sealed class ProduceBodies
{
    public const int StampLength = 16;
    private const int PartitionWidth = 6;

    private readonly int[] _stampPositions;
    private readonly int[] _partitionPositions;

    private ProduceBodies(byte[] template, int[] stampPositions, int[] partitionPositions)
    {
        Template = template;
        _stampPositions = stampPositions;
        _partitionPositions = partitionPositions;
    }

    public byte[] Template { get; }
    public int Length => Template.Length;
    public bool HasStamps => _stampPositions.Length > 0;

    /// <param name="withPartition">Each record names the partition (leader routing); else the node picks one per request.</param>
    public static ProduceBodies Build(int records, int recordSize, string acks, bool withPartition)
    {
        var stamps = new List<int>(records);
        var partitions = new List<int>(withPartition ? records : 0);
        var filler = new byte[recordSize];
        for (var i = 0; i < filler.Length; i++) filler[i] = (byte)('a' + i % 26);
        using var body = new MemoryStream(records * (recordSize + 40) + 64);
        void Ascii(string s)
        {
            var bytes = Encoding.ASCII.GetBytes(s);
            body.Write(bytes);
        }

        Ascii($"{{\"acks\":\"{acks}\",\"records\":[");
        for (var r = 0; r < records; r++)
        {
            if (r > 0) Ascii(",");
            Ascii("{");
            if (withPartition)
            {
                Ascii("\"partition\":");
                partitions.Add((int)body.Position);
                Ascii("0" + new string(' ', PartitionWidth - 1));
                Ascii(",");
            }
            Ascii("\"value\":\"");
            if (recordSize >= StampLength)
            {
                stamps.Add((int)body.Position);
                Ascii(new string('0', StampLength));
                body.Write(filler, StampLength, recordSize - StampLength);
            }
            else
            {
                body.Write(filler, 0, recordSize);
            }
            Ascii("\"}");
        }
        Ascii("]}");
        return new ProduceBodies(body.ToArray(), stamps.ToArray(), partitions.ToArray());
    }

    /// <summary>A private copy to patch (one per in-flight slot).</summary>
    public byte[] NewBuffer() => (byte[])Template.Clone();

    /// <summary>Writes the send stamp into every record and the partition into every record that names one.</summary>
    public void Patch(byte[] buffer, long stampMicros, int partition)
    {
        Span<byte> stamp = stackalloc byte[StampLength];
        WriteFixedDigits(stamp, stampMicros);
        foreach (var p in _stampPositions) stamp.CopyTo(buffer.AsSpan(p, StampLength));
        if (_partitionPositions.Length == 0) return;
        Span<byte> part = stackalloc byte[PartitionWidth];
        part.Fill((byte)' ');
        if (!partition.TryFormat(part, out _, provider: System.Globalization.CultureInfo.InvariantCulture))
            throw new ArgumentOutOfRangeException(nameof(partition));
        foreach (var p in _partitionPositions) part.CopyTo(buffer.AsSpan(p, PartitionWidth));
    }

    public static void WriteFixedDigits(Span<byte> destination, long value)
    {
        if (value < 0) value = 0;
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + value % 10);
            value /= 10;
        }
    }

    /// <summary>The stamp at the start of a value; -1 when the value does not start with one.</summary>
    public static long ReadStamp(ReadOnlySpan<byte> value)
    {
        if (value.Length < StampLength) return -1;
        long n = 0;
        for (var i = 0; i < StampLength; i++)
        {
            var d = value[i] - '0';
            if ((uint)d > 9) return -1;
            n = n * 10 + d;
        }
        return n;
    }
}
