using System.Text;
using Cluster.Domain.Log;
using Xunit;

namespace Cluster.Domain.Tests.Log;

public class Crc32CTests
{
    [Fact]
    public void Check_value_of_the_catalogue()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")));
    }

    // RFC 3720 (iSCSI) appendix B.4 test patterns.
    [Fact]
    public void Rfc3720_vectors()
    {
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));
        Assert.Equal(0x62A8AB43u, Crc32C.Compute(Enumerable.Repeat((byte)0xFF, 32).ToArray()));
        Assert.Equal(0x46DD794Eu, Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()));
        Assert.Equal(0x113FDB5Cu, Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray()));
    }

    [Fact]
    public void Empty_input_is_zero()
    {
        Assert.Equal(0u, Crc32C.Compute(ReadOnlySpan<byte>.Empty));
    }

    [Fact]
    public void Software_fallback_matches_the_hardware_path()
    {
        var random = new Random(7);
        for (int length = 0; length < 300; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            uint software = ~Crc32C.UpdateSoftware(~0u, data);
            Assert.Equal(Crc32C.Compute(data), software);
        }
    }

    [Fact]
    public void Append_continues_a_checksum()
    {
        var data = new byte[1000];
        new Random(3).NextBytes(data);
        for (int split = 0; split <= data.Length; split += 37)
            Assert.Equal(Crc32C.Compute(data), Crc32C.Append(Crc32C.Compute(data.AsSpan(0, split)), data.AsSpan(split)));
    }
}
