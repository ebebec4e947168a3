using Cluster.Domain.Protocol;
using Cluster.Kafka.Protocol;

namespace Cluster.Kafka.Tests.Protocol;

public class PrimitivesTests
{
    private static byte[] Write(Action<KafkaWriter> write)
    {
        using var w = new KafkaWriter(16);
        write(w);
        return w.ToArray();
    }

    private static string Hex(Action<KafkaWriter> write) => Convert.ToHexString(Write(write));

    private delegate T ReadFunc<T>(ref KafkaReader r);

    /// <summary>Reads a value and checks every byte was consumed.</summary>
    private static T Read<T>(string hex, ReadFunc<T> read)
    {
        var r = new KafkaReader(Convert.FromHexString(hex));
        var v = read(ref r);
        r.EnsureEnd();
        return v;
    }

    private static void Malformed<T>(string hex, ReadFunc<T> read) =>
        Assert.Throws<KafkaProtocolException>(() => Read(hex, read));

    [Fact]
    public void Fixed_size_integers_are_big_endian_and_round_trip_at_their_limits()
    {
        Assert.Equal("80", Hex(w => w.WriteInt8(sbyte.MinValue)));
        Assert.Equal("7FFF", Hex(w => w.WriteInt16(short.MaxValue)));
        Assert.Equal("80000000", Hex(w => w.WriteInt32(int.MinValue)));
        Assert.Equal("0102030405060708", Hex(w => w.WriteInt64(0x0102030405060708)));
        Assert.Equal("FFFFFFFF", Hex(w => w.WriteUInt32(uint.MaxValue)));

        foreach (var v in new[] { sbyte.MinValue, (sbyte)-1, (sbyte)0, sbyte.MaxValue })
            Assert.Equal(v, Read(Hex(w => w.WriteInt8(v)), (ref KafkaReader r) => r.ReadInt8()));
        foreach (var v in new[] { short.MinValue, (short)-1, (short)0, short.MaxValue })
            Assert.Equal(v, Read(Hex(w => w.WriteInt16(v)), (ref KafkaReader r) => r.ReadInt16()));
        foreach (var v in new[] { int.MinValue, -1, 0, int.MaxValue })
            Assert.Equal(v, Read(Hex(w => w.WriteInt32(v)), (ref KafkaReader r) => r.ReadInt32()));
        foreach (var v in new[] { long.MinValue, -1L, 0L, long.MaxValue })
            Assert.Equal(v, Read(Hex(w => w.WriteInt64(v)), (ref KafkaReader r) => r.ReadInt64()));
        foreach (var v in new[] { 0u, 1u, uint.MaxValue })
            Assert.Equal(v, Read(Hex(w => w.WriteUInt32(v)), (ref KafkaReader r) => r.ReadUInt32()));
        Assert.True(Read("02", (ref KafkaReader r) => r.ReadBool()));
        Assert.Equal(ErrorCode.UnsupportedVersion, Read("0023", (ref KafkaReader r) => r.ReadErrorCode()));
        Assert.Equal(1.5, Read(Hex(w => w.WriteFloat64(1.5)), (ref KafkaReader r) => r.ReadFloat64()));
    }

    [Theory]
    [InlineData(0u, "00")]
    [InlineData(1u, "01")]
    [InlineData(127u, "7F")]
    [InlineData(128u, "8001")]
    [InlineData(300u, "AC02")]
    [InlineData(16384u, "808001")]
    [InlineData(uint.MaxValue, "FFFFFFFF0F")]
    public void Unsigned_varints_match_Kafka(uint value, string hex)
    {
        Assert.Equal(hex, Hex(w => w.WriteUnsignedVarInt(value)));
        Assert.Equal(value, Read(hex, (ref KafkaReader r) => r.ReadUnsignedVarInt()));
        Assert.Equal(hex.Length / 2, KafkaWriter.UnsignedVarIntSize(value));
    }

    [Theory]
    [InlineData(0, "00")]
    [InlineData(-1, "01")]
    [InlineData(1, "02")]
    [InlineData(-2, "03")]
    [InlineData(63, "7E")]
    [InlineData(-64, "7F")]
    [InlineData(64, "8001")]
    [InlineData(int.MaxValue, "FEFFFFFF0F")]
    [InlineData(int.MinValue, "FFFFFFFF0F")]
    public void Zigzag_varints_match_Kafka(int value, string hex)
    {
        Assert.Equal(hex, Hex(w => w.WriteVarInt(value)));
        Assert.Equal(value, Read(hex, (ref KafkaReader r) => r.ReadVarInt()));
    }

    [Theory]
    [InlineData(0L, "00")]
    [InlineData(-1L, "01")]
    [InlineData(1L, "02")]
    [InlineData(long.MaxValue, "FEFFFFFFFFFFFFFFFF01")]
    [InlineData(long.MinValue, "FFFFFFFFFFFFFFFFFF01")]
    public void Zigzag_varlongs_match_Kafka(long value, string hex)
    {
        Assert.Equal(hex, Hex(w => w.WriteVarLong(value)));
        Assert.Equal(value, Read(hex, (ref KafkaReader r) => r.ReadVarLong()));
    }

    [Fact]
    public void Unsigned_varlong_round_trips()
    {
        foreach (var v in new[] { 0UL, 127UL, 128UL, ulong.MaxValue })
            Assert.Equal(v, Read(Hex(w => w.WriteUnsignedVarLong(v)), (ref KafkaReader r) => r.ReadUnsignedVarLong()));
    }

    [Theory]
    [InlineData("FFFFFFFFFF01")] // six bytes
    [InlineData("FFFFFFFF1F")] // fifth byte overflows 32 bits
    [InlineData("80")] // continuation bit, then nothing
    [InlineData("")]
    public void Bad_varints_are_protocol_errors(string hex) =>
        Malformed(hex, (ref KafkaReader r) => r.ReadUnsignedVarInt());

    [Theory]
    [InlineData("FFFFFFFFFFFFFFFFFF02")] // tenth byte overflows 64 bits
    [InlineData("FFFFFFFFFFFFFFFFFFFF01")] // eleven bytes
    public void Bad_varlongs_are_protocol_errors(string hex) =>
        Malformed(hex, (ref KafkaReader r) => r.ReadUnsignedVarLong());

    [Fact]
    public void Strings_in_both_encodings()
    {
        Assert.Equal("0003616263", Hex(w => w.WriteString("abc")));
        Assert.Equal("FFFF", Hex(w => w.WriteNullableString(null)));
        Assert.Equal("0000", Hex(w => w.WriteString(null))); // non-nullable null is written empty
        Assert.Equal("04616263", Hex(w => w.WriteCompactString("abc")));
        Assert.Equal("00", Hex(w => w.WriteCompactNullableString(null)));
        Assert.Equal("01", Hex(w => w.WriteCompactString("")));
        Assert.Equal("0002C3BC", Hex(w => w.WriteString("ü"))); // UTF-8 byte count, not chars

        Assert.Equal("abc", Read("0003616263", (ref KafkaReader r) => r.ReadString()));
        Assert.Null(Read("FFFF", (ref KafkaReader r) => r.ReadNullableString()));
        Assert.Equal("", Read("0000", (ref KafkaReader r) => r.ReadString()));
        Assert.Equal("abc", Read("04616263", (ref KafkaReader r) => r.ReadCompactString()));
        Assert.Null(Read("00", (ref KafkaReader r) => r.ReadCompactNullableString()));
        Assert.Equal("", Read("01", (ref KafkaReader r) => r.ReadCompactString()));
        Assert.Equal("ü", Read("03C3BC", (ref KafkaReader r) => r.ReadString(flexible: true)));
        var long300 = new string('x', 300);
        Assert.Equal(long300, Read(Hex(w => w.WriteCompactString(long300)), (ref KafkaReader r) => r.ReadCompactString()));
    }

    [Theory]
    [InlineData("FFFF")] // null where a value is required
    [InlineData("FFFE")] // negative length
    [InlineData("000461")] // longer than what remains
    [InlineData("7FFF")] // 32767 bytes announced, none there
    [InlineData("00")]
    public void Bad_strings_are_protocol_errors(string hex) =>
        Malformed(hex, (ref KafkaReader r) => r.ReadString());

    [Theory]
    [InlineData("00")] // compact null where a value is required
    [InlineData("0561")] // four bytes announced, one there
    [InlineData("FFFFFFFF0F")] // 4 GiB announced
    public void Bad_compact_strings_are_protocol_errors(string hex) =>
        Malformed(hex, (ref KafkaReader r) => r.ReadCompactString());

    [Fact]
    public void String_too_long_for_an_int16_length_cannot_be_written()
    {
        using var w = new KafkaWriter();
        Assert.Throws<KafkaProtocolException>(() => w.WriteString(new string('x', 40000)));
        w.WriteCompactString(new string('x', 40000)); // compact strings have no such limit
    }

    [Fact]
    public void Bytes_in_both_encodings()
    {
        Assert.Equal("000000020102", Hex(w => w.WriteBytes([1, 2])));
        Assert.Equal("FFFFFFFF", Hex(w => w.WriteNullableBytes(null)));
        Assert.Equal("030102", Hex(w => w.WriteCompactBytes([1, 2])));
        Assert.Equal("00", Hex(w => w.WriteCompactNullableBytes(null)));
        Assert.Equal("01", Hex(w => w.WriteCompactBytes(null)));

        Assert.Equal(new byte[] { 1, 2 }, Read("000000020102", (ref KafkaReader r) => r.ReadBytes()));
        Assert.Null(Read("FFFFFFFF", (ref KafkaReader r) => r.ReadNullableBytes()));
        Assert.Equal(new byte[] { 1, 2 }, Read("030102", (ref KafkaReader r) => r.ReadCompactBytes()));
        Assert.Null(Read("00", (ref KafkaReader r) => r.ReadCompactNullableBytes()));
        Assert.Empty(Read("01", (ref KafkaReader r) => r.ReadBytes(flexible: true)));

        Malformed("7FFFFFFF", (ref KafkaReader r) => r.ReadBytes()); // 2 GiB announced: no allocation, an error
        Malformed("FFFFFFFE", (ref KafkaReader r) => r.ReadNullableBytes());
        Malformed("FFFFFFFF", (ref KafkaReader r) => r.ReadBytes());
        Malformed("0501", (ref KafkaReader r) => r.ReadCompactBytes());
    }

    [Fact]
    public void Records_are_slices_of_the_input_and_null_reads_empty()
    {
        var input = Convert.FromHexString("00000003AABBCC");
        var r = new KafkaReader(input);
        var records = r.ReadRecords(flexible: false);
        Assert.Equal(new byte[] { 0xAA, 0xBB, 0xCC }, records.ToArray());
        input[4] = 0x11; // same memory, no copy
        Assert.Equal(0x11, records.Span[0]);

        Assert.True(Read("FFFFFFFF", (ref KafkaReader r) => r.ReadRecords(false)).IsEmpty);
        Assert.True(Read("00", (ref KafkaReader r) => r.ReadRecords(true)).IsEmpty);
        Assert.Equal("04AABBCC", Hex(w => w.WriteRecords(new byte[] { 0xAA, 0xBB, 0xCC }, true)));
        Assert.Equal("00000000", Hex(w => w.WriteRecords(ReadOnlyMemory<byte>.Empty, false)));
        Malformed("00000009AA", (ref KafkaReader r) => r.ReadRecords(false));
    }

    [Fact]
    public void Arrays_in_both_encodings_with_null()
    {
        Assert.Equal("000000020000000100000002", Hex(w => w.WriteInt32Array([1, 2], false)));
        Assert.Equal("030000000100000002", Hex(w => w.WriteInt32Array([1, 2], true)));
        Assert.Equal("FFFFFFFF", Hex(w => w.WriteNullableInt32Array(null, false)));
        Assert.Equal("00", Hex(w => w.WriteNullableStringArray(null, true)));
        Assert.Equal("01", Hex(w => w.WriteStringArray([], true)));
        Assert.Equal("0000000100016100", Hex(w => { w.WriteStringArray(["a"], false); w.WriteInt8(0); }));

        Assert.Equal([1, 2], Read("030000000100000002", (ref KafkaReader r) => r.ReadInt32Array(true)));
        Assert.Null(Read("FFFFFFFF", (ref KafkaReader r) => r.ReadNullableInt32Array(false)));
        Assert.Null(Read("00", (ref KafkaReader r) => r.ReadNullableStringArray(true)));
        Assert.Equal(["a", "b"], Read("0302610262", (ref KafkaReader r) => r.ReadStringArray(true)));
        Assert.Equal([5L], Read("000000010000000000000005", (ref KafkaReader r) => r.ReadInt64Array(false)));
        Assert.Equal(-1, Read("FFFFFFFF", (ref KafkaReader r) => r.ReadArrayLength(false)));
        Assert.Equal(-1, Read("00", (ref KafkaReader r) => r.ReadArrayLength(true)));
    }

    [Theory]
    [InlineData("7FFFFFFF", false)] // two billion elements announced in 0 bytes
    [InlineData("FFFFFFFE", false)] // -2
    [InlineData("FFFFFFFF0F", true)] // compact 4 billion
    [InlineData("00000002000000", false)] // two ints announced, three bytes there
    [InlineData("FFFFFFFF", false)] // null where an array is required
    public void Bad_arrays_are_protocol_errors_before_any_allocation(string hex, bool flexible)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        Malformed(hex, (ref KafkaReader r) => r.ReadInt32Array(flexible));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 * 1024);
    }

    [Fact]
    public void Uuids_are_16_bytes_most_significant_first()
    {
        var id = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");
        Assert.Equal("00112233445566778899AABBCCDDEEFF", Hex(w => w.WriteUuid(id)));
        Assert.Equal(id, Read("00112233445566778899AABBCCDDEEFF", (ref KafkaReader r) => r.ReadUuid()));
        Assert.Equal(Guid.Empty, Read(new string('0', 32), (ref KafkaReader r) => r.ReadUuid()));
        Malformed("0011", (ref KafkaReader r) => r.ReadUuid());
    }

    [Fact]
    public void Tagged_fields_unknown_ones_are_skipped_known_ones_read()
    {
        Assert.Equal("00", Hex(w => w.WriteEmptyTaggedFields()));
        var bytes = Hex(w =>
        {
            w.WriteTaggedFieldCount(2);
            w.WriteTaggedField(0, 42, static (x, v) => x.WriteInt32(v));
            w.WriteTaggedField(300, "x", static (x, s) => x.WriteCompactString(s));
            w.WriteInt8(7);
        });
        // count 2 | tag 0, size 4, int32 42 | tag 300 (AC02), size 2, "x" | trailing 07
        Assert.Equal("020004" + "0000002A" + "AC0202" + "0278" + "07", bytes);

        Assert.Equal(7, Read(bytes, (ref KafkaReader r) => { r.SkipTaggedFields(); return r.ReadInt8(); }));
        var known = Read(bytes, (ref KafkaReader r) =>
        {
            int value = -1;
            int n = r.ReadTaggedFieldCount();
            for (int i = 0; i < n; i++)
            {
                var field = r.ReadTaggedField(out uint tag);
                if (tag == 0) value = field.ReadInt32();
            }
            r.ReadInt8();
            return value;
        });
        Assert.Equal(42, known);

        Malformed("01000A00", (ref KafkaReader r) => { r.SkipTaggedFields(); return 0; }); // size 10, 1 byte there
        Malformed("FFFFFFFF0F", (ref KafkaReader r) => { r.SkipTaggedFields(); return 0; }); // 4 billion fields
        Malformed("0100", (ref KafkaReader r) => { r.SkipTaggedFields(); return 0; }); // tag without size
    }

    [Fact]
    public void Reading_past_the_end_is_a_protocol_error_never_an_index_error()
    {
        Malformed("", (ref KafkaReader r) => r.ReadInt8());
        Malformed("00", (ref KafkaReader r) => r.ReadInt16());
        Malformed("000000", (ref KafkaReader r) => r.ReadInt32());
        Malformed("00000000000000", (ref KafkaReader r) => r.ReadInt64());
        Malformed("0102", (ref KafkaReader r) => { r.Skip(3); return 0; });
        Malformed("0102", (ref KafkaReader r) => { r.ReadSubReader(-1); return 0; });
        Malformed("01", (ref KafkaReader r) => { r.EnsureEnd(); return 0; });
    }

    [Fact]
    public void Writer_grows_past_its_initial_buffer_and_patches_sizes()
    {
        using var w = new KafkaWriter(16);
        w.WriteInt32(0);
        for (int i = 0; i < 10_000; i++) w.WriteInt32(i);
        w.PatchInt32(0, w.Position - 4);
        var r = new KafkaReader(w.WrittenMemory);
        Assert.Equal(40_000, r.ReadInt32());
        for (int i = 0; i < 10_000; i++) Assert.Equal(i, r.ReadInt32());
        w.Reset();
        Assert.Equal(0, w.Position);
    }

    [Fact]
    public void Lists_do_not_trust_counts_for_their_capacity()
    {
        Assert.True(KafkaReader.NewList<int>(int.MaxValue).Capacity <= 1024);
        Assert.Equal(0, KafkaReader.NewList<int>(-1).Capacity);
    }
}
