namespace Cluster.Domain.Log;

// Zig-zag varints as in Kafka's ByteUtils (the protobuf encoding).
internal static class Varint
{
    public static int SizeOfVarint(int value) => SizeOfUnsigned((uint)((value << 1) ^ (value >> 31)));

    public static int SizeOfVarlong(long value)
    {
        ulong v = (ulong)((value << 1) ^ (value >> 63));
        int bytes = 1;
        while ((v & ~0x7FUL) != 0)
        {
            bytes++;
            v >>= 7;
        }
        return bytes;
    }

    private static int SizeOfUnsigned(uint v)
    {
        int bytes = 1;
        while ((v & ~0x7FU) != 0)
        {
            bytes++;
            v >>= 7;
        }
        return bytes;
    }

    public static int WriteVarint(Span<byte> dst, int value)
    {
        uint v = (uint)((value << 1) ^ (value >> 31));
        int i = 0;
        while ((v & ~0x7FU) != 0)
        {
            dst[i++] = (byte)((v & 0x7F) | 0x80);
            v >>= 7;
        }
        dst[i++] = (byte)v;
        return i;
    }

    public static int WriteVarlong(Span<byte> dst, long value)
    {
        ulong v = (ulong)((value << 1) ^ (value >> 63));
        int i = 0;
        while ((v & ~0x7FUL) != 0)
        {
            dst[i++] = (byte)((v & 0x7F) | 0x80);
            v >>= 7;
        }
        dst[i++] = (byte)v;
        return i;
    }
}
