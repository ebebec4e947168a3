using System.Buffers;
using Cluster.Domain.Protocol;
using Cluster.Kafka.Protocol;
using Cluster.Kafka.Protocol.Messages;

namespace Cluster.Kafka.Tests.Protocol;

public class FramingAndParserTests
{
    [Fact]
    public void Size_prefix_needs_four_bytes_and_respects_the_limit()
    {
        Assert.False(KafkaFrame.TryReadSize([0, 0, 1], out _));
        Assert.True(KafkaFrame.TryReadSize([0, 0, 1, 0], out int size));
        Assert.Equal(256, size);
        Assert.True(KafkaFrame.TryReadSize([0x06, 0x40, 0, 0], out size)); // exactly 100 MiB
        Assert.Equal(KafkaFrame.DefaultMaxFrameSize, size);

        var over = Assert.Throws<KafkaProtocolException>(() => KafkaFrame.TryReadSize([0x06, 0x40, 0, 1], out _));
        Assert.Equal(ErrorCode.InvalidRequest, over.ErrorCode);
        Assert.Throws<KafkaProtocolException>(() => KafkaFrame.TryReadSize([0xFF, 0xFF, 0xFF, 0xFF], out _));
        Assert.Throws<KafkaProtocolException>(() => KafkaFrame.TryReadSize([0, 0, 4, 1], out _, maxFrameSize: 1024));
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] data, Segment? previous)
        {
            Memory = data;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }

    [Fact]
    public void Frames_are_cut_from_a_segmented_stream_only_when_whole()
    {
        var a = KafkaRequestWriter.ToFrame(new RequestHeader(ApiKey.Heartbeat, 4, 1, "x"), new HeartbeatRequest { GroupId = "g" });
        var b = KafkaRequestWriter.ToFrame(new RequestHeader(ApiKey.ApiVersions, 0, 2, "x"), new ApiVersionsRequest());
        var stream = a.Concat(b).ToArray();

        // Split into 3-byte segments, the size prefix itself straddling segments.
        Segment? first = null, last = null;
        for (int i = 0; i < stream.Length; i += 3)
        {
            last = new Segment(stream[i..Math.Min(i + 3, stream.Length)], last);
            first ??= last;
        }
        var whole = new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);

        var partial = whole.Slice(0, a.Length - 1);
        Assert.False(KafkaFrame.TryReadFrame(ref partial, out _));
        Assert.Equal(a.Length - 1, partial.Length);

        var buffer = whole;
        Assert.True(KafkaFrame.TryReadFrame(ref buffer, out var f1));
        Assert.Equal(1, KafkaRequestParser.Parse(f1.ToArray()).CorrelationId);
        Assert.True(KafkaFrame.TryReadFrame(ref buffer, out var f2));
        Assert.Equal(ApiKey.ApiVersions, KafkaRequestParser.Parse(f2.ToArray()).ApiKey);
        Assert.True(buffer.IsEmpty);
        Assert.False(KafkaFrame.TryReadFrame(ref buffer, out _));

        var huge = new ReadOnlySequence<byte>(new byte[] { 0x7F, 0xFF, 0xFF, 0xFF, 0 });
        Assert.Throws<KafkaProtocolException>(() => KafkaFrame.TryReadFrame(ref huge, out _));
    }

    [Fact]
    public void Unknown_api_key_is_a_protocol_error_carrying_the_header()
    {
        var frame = Convert.FromHexString("0063000000000007FFFF");
        var e = Assert.Throws<KafkaProtocolException>(() => KafkaRequestParser.Parse(frame));
        Assert.Equal(ErrorCode.UnsupportedVersion, e.ErrorCode);
        Assert.Equal(7, e.Header!.CorrelationId);
    }

    [Theory]
    [InlineData(ApiKey.Produce, 2)] // message format v1: not supported
    [InlineData(ApiKey.Produce, 12)]
    [InlineData(ApiKey.Fetch, 3)]
    [InlineData(ApiKey.Fetch, 13)] // topic ids
    [InlineData(ApiKey.ListOffsets, 0)]
    [InlineData(ApiKey.EndTxn, 5)]
    [InlineData(ApiKey.Metadata, -1)]
    public void Unsupported_versions_are_protocol_errors(ApiKey key, short version)
    {
        using var w = new KafkaWriter();
        new RequestHeader(key, version, 5, "c").Write(w, ApiVersionsTable.RequestHeaderVersion(key, version));
        var e = Assert.Throws<KafkaProtocolException>(() => KafkaRequestParser.Parse(w.ToArray()));
        Assert.Equal(ErrorCode.UnsupportedVersion, e.ErrorCode);
        Assert.Equal(5, e.Header!.CorrelationId);
    }

    [Fact]
    public void Malformed_body_errors_carry_the_header()
    {
        using var w = new KafkaWriter();
        new RequestHeader(ApiKey.Heartbeat, 0, 77, "c").Write(w, 1);
        w.WriteInt16(50); // group id says 50 bytes, none follow
        var e = Assert.Throws<KafkaProtocolException>(() => KafkaRequestParser.Parse(w.ToArray()));
        Assert.Equal(77, e.Header!.CorrelationId);
        Assert.Equal(ErrorCode.CorruptMessage, e.ErrorCode);
    }

    [Fact]
    public void Trailing_bytes_after_a_request_are_tolerated_as_Kafka_does()
    {
        var frame = KafkaRequestWriter.ToFrame(new RequestHeader(ApiKey.Heartbeat, 3, 1, "c"), new HeartbeatRequest { GroupId = "g" });
        var padded = frame.Skip(4).Concat(new byte[] { 1, 2, 3 }).ToArray();
        Assert.Equal("g", ((HeartbeatRequest)KafkaRequestParser.Parse(padded).Request).GroupId);
    }

    [Theory]
    [InlineData(ApiKey.Produce, 8, 1, 0)]
    [InlineData(ApiKey.Produce, 9, 2, 1)]
    [InlineData(ApiKey.Fetch, 11, 1, 0)]
    [InlineData(ApiKey.Fetch, 12, 2, 1)]
    [InlineData(ApiKey.Metadata, 9, 2, 1)]
    [InlineData(ApiKey.ApiVersions, 2, 1, 0)]
    [InlineData(ApiKey.ApiVersions, 3, 2, 0)] // ApiVersions answers with header v0 even when flexible
    [InlineData(ApiKey.InitProducerId, 2, 2, 1)]
    [InlineData(ApiKey.DescribeGroups, 4, 1, 0)]
    [InlineData(ApiKey.DescribeGroups, 5, 2, 1)]
    public void Header_versions_follow_flexible_versions(ApiKey key, short version, short requestHeader, short responseHeader)
    {
        Assert.Equal(requestHeader, ApiVersionsTable.RequestHeaderVersion(key, version));
        Assert.Equal(responseHeader, ApiVersionsTable.ResponseHeaderVersion(key, version));
    }

    [Fact]
    public void Request_headers_v0_v1_v2()
    {
        var h = new RequestHeader(ApiKey.Metadata, 1, 3, "id");
        static string Hex(RequestHeader h, short v)
        {
            using var w = new KafkaWriter();
            h.Write(w, v);
            return Convert.ToHexString(w.WrittenSpan);
        }
        Assert.Equal("0003000100000003", Hex(h, 0));
        Assert.Equal("000300010000000300026964", Hex(h, 1));
        Assert.Equal("00030001000000030002696400", Hex(h, 2));
        Assert.Equal("0003000100000003FFFF", Hex(h with { ClientId = null }, 1));

        foreach (short v in new short[] { 0, 1, 2 })
        {
            var r = new KafkaReader(Convert.FromHexString(Hex(h, v)));
            var back = RequestHeader.Read(ref r, v);
            r.EnsureEnd();
            Assert.Equal(v == 0 ? h with { ClientId = null } : h, back);
        }
        var nullClient = new KafkaReader(Convert.FromHexString("0003000100000003FFFF"));
        Assert.Null(RequestHeader.Read(ref nullClient, 1).ClientId);
    }

    [Fact]
    public void Response_headers_v0_v1()
    {
        using var w = new KafkaWriter();
        new ResponseHeader(9).Write(w, 0);
        new ResponseHeader(10).Write(w, 1);
        Assert.Equal("000000090000000A00", Convert.ToHexString(w.WrittenSpan));
        var r = new KafkaReader(w.WrittenMemory);
        Assert.Equal(9, ResponseHeader.Read(ref r, 0).CorrelationId);
        Assert.Equal(10, ResponseHeader.Read(ref r, 1).CorrelationId);
        r.EnsureEnd();
    }

    [Fact]
    public void A_response_must_answer_its_own_api()
    {
        var parsed = KafkaRequestParser.Parse(KafkaRequestWriter.ToFrame(new RequestHeader(ApiKey.Heartbeat, 1, 1, null), new HeartbeatRequest()).AsMemory(4));
        Assert.Throws<ArgumentException>(() => KafkaResponseWriter.ToFrame(parsed, new EndTxnResponse()));
        Assert.Throws<ArgumentException>(() => KafkaRequestWriter.ToFrame(new RequestHeader(ApiKey.Fetch, 4, 1, null), new HeartbeatRequest()));
    }

    [Fact]
    public void Writing_into_a_shared_writer_appends_frames()
    {
        using var w = new KafkaWriter();
        KafkaResponseWriter.WriteFrame(w, new ResponseHeader(1), new HeartbeatResponse(), 0);
        KafkaResponseWriter.WriteFrame(w, new ResponseHeader(2), new HeartbeatResponse { ErrorCode = ErrorCode.RebalanceInProgress }, 4);
        // 6 = correlation + error code; 12 = correlation + header tags + throttle + error + tags
        Assert.Equal("00000006000000010000" + "0000000C" + "0000000200" + "00000000" + "001B" + "00", Convert.ToHexString(w.WrittenSpan));
    }

    [Fact]
    public void The_table_is_consistent()
    {
        foreach (var r in ApiVersionsTable.All)
        {
            Assert.True(r.MinVersion <= r.MaxVersion, r.ApiKey.ToString());
            Assert.True(ApiVersionsTable.IsSupported(r.ApiKey, r.MinVersion));
            Assert.False(ApiVersionsTable.IsSupported(r.ApiKey, (short)(r.MaxVersion + 1)));
        }
        Assert.False(ApiVersionsTable.TryGet((ApiKey)17, out _));
        Assert.False(ApiVersionsTable.TryGet((ApiKey)(-1), out _));
        Assert.False(ApiVersionsTable.TryGet((ApiKey)1000, out _));
    }
}
