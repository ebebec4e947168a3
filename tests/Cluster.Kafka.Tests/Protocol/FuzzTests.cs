using Cluster.Kafka.Protocol;

namespace Cluster.Kafka.Tests.Protocol;

/// <summary>
/// Random, mutated and truncated frames into the parser: it may accept them or throw
/// <see cref="KafkaProtocolException"/>, nothing else, and never allocates far beyond the
/// frame's own size whatever lengths and counts the bytes claim.
/// </summary>
public class FuzzTests
{
    private const int Frames = 20_000;

    [Fact]
    public void Random_and_truncated_frames_only_ever_raise_KafkaProtocolException()
    {
        var rng = new Random(20_251_125);
        var valid = Samples.AllVersions()
            .Select(kv => KafkaRequestWriter.ToFrame(new RequestHeader(kv.Key, kv.Version, 1, "fuzz"), Samples.Request(kv.Key))[4..])
            .ToArray();
        var ranges = ApiVersionsTable.All;

        int accepted = 0, rejected = 0;
        for (int i = 0; i < Frames; i++)
        {
            byte[] frame = (i % 5) switch
            {
                // A valid frame cut short.
                0 => Truncate(valid[rng.Next(valid.Length)], rng),
                // A valid frame with a few bytes overwritten (lengths and counts turn hostile).
                1 => Mutate(valid[rng.Next(valid.Length)], rng),
                // A valid header of a served (api, version) followed by random bytes.
                2 => RandomBody(ranges[rng.Next(ranges.Count)], rng),
                // Random bytes whose lengths are mostly large: the worst case for allocation.
                3 => HostileLengths(valid[rng.Next(valid.Length)], rng),
                // Pure noise.
                _ => Noise(rng, rng.Next(0, 64)),
            };

            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                KafkaRequestParser.Parse(frame);
                accepted++;
            }
            catch (KafkaProtocolException)
            {
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"Frame {i} ({Convert.ToHexString(frame)}) raised {e.GetType().Name}: {e.Message}");
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < 64 * 1024 + 64L * frame.Length,
                $"Frame {i} of {frame.Length} bytes allocated {allocated} bytes: {Convert.ToHexString(frame)}");
        }

        Assert.Equal(Frames, accepted + rejected);
        Assert.True(rejected > Frames / 2, $"only {rejected} rejected");
        Assert.True(accepted > 0, "nothing accepted: the mutations are too blunt to reach the decoders");
    }

    [Fact]
    public void Hostile_frame_sizes_never_pass_the_framing()
    {
        var rng = new Random(7);
        Span<byte> prefix = stackalloc byte[4];
        for (int i = 0; i < Frames; i++)
        {
            rng.NextBytes(prefix);
            try
            {
                if (KafkaFrame.TryReadSize(prefix, out int size))
                    Assert.InRange(size, 0, KafkaFrame.DefaultMaxFrameSize);
            }
            catch (KafkaProtocolException)
            {
            }
        }
    }

    private static byte[] Truncate(byte[] frame, Random rng) => frame[..rng.Next(frame.Length)];

    private static byte[] Mutate(byte[] frame, Random rng)
    {
        var copy = (byte[])frame.Clone();
        int n = 1 + rng.Next(4);
        for (int i = 0; i < n; i++)
        {
            // Keep the api key and version (first 4 bytes) most of the time so the body decoders run.
            int at = copy.Length <= 4 || rng.Next(10) == 0 ? rng.Next(copy.Length) : 4 + rng.Next(copy.Length - 4);
            copy[at] = (byte)rng.Next(256);
        }
        return rng.Next(3) == 0 ? Truncate(copy, rng) : copy;
    }

    private static byte[] RandomBody(ApiVersionRange range, Random rng)
    {
        using var w = new KafkaWriter();
        short version = (short)rng.Next(range.MinVersion, range.MaxVersion + 1);
        var header = new RequestHeader(range.ApiKey, version, rng.Next(), rng.Next(2) == 0 ? null : "c");
        header.Write(w, ApiVersionsTable.RequestHeaderVersion(range.ApiKey, version));
        w.WriteRaw(Noise(rng, rng.Next(0, 200)));
        return w.ToArray();
    }

    private static byte[] HostileLengths(byte[] frame, Random rng)
    {
        var copy = (byte[])frame.Clone();
        // Plant 0x7F/0xFF runs (huge int16/int32 lengths, long varints) at random places after the key/version.
        int n = 1 + rng.Next(3);
        for (int i = 0; i < n && copy.Length > 8; i++)
        {
            int at = 4 + rng.Next(copy.Length - 4);
            int len = Math.Min(1 + rng.Next(5), copy.Length - at);
            for (int j = 0; j < len; j++) copy[at + j] = rng.Next(2) == 0 ? (byte)0x7F : (byte)0xFF;
        }
        return copy;
    }

    private static byte[] Noise(Random rng, int length)
    {
        var b = new byte[length];
        rng.NextBytes(b);
        return b;
    }
}
