using System.Text;
using Cluster.Domain.Log;
using Xunit;

namespace Cluster.Domain.Tests.Log;

public class Murmur2Tests
{
    // Kafka's UtilsTest.testMurmur2.
    [Theory]
    [InlineData("21", -973932308)]
    [InlineData("foobar", -790332482)]
    [InlineData("a-little-bit-long-string", -985981536)]
    [InlineData("a-little-bit-longer-string", -1486304829)]
    [InlineData("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971)]
    [InlineData("abc", 479470107)]
    public void Matches_kafka_vectors(string key, int expected)
    {
        Assert.Equal(expected, Murmur2.Hash(Encoding.UTF8.GetBytes(key)));
    }

    // Computed by a separate Java implementation of Utils.murmur2, covering every tail length.
    [Theory]
    [InlineData("", 275646681)]
    [InlineData("a", -1563381124)]
    [InlineData("ab", 316155434)]
    [InlineData("key-0", 29210041)]
    [InlineData("key-42", -187086521)]
    [InlineData("héllo wörld", 439213890)]
    [InlineData("日本語", 1431860170)]
    public void Matches_java_reference(string key, int expected)
    {
        Assert.Equal(expected, Murmur2.Hash(Encoding.UTF8.GetBytes(key)));
    }

    [Fact]
    public void Bytes_above_127_are_unsigned()
    {
        var all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        Assert.Equal(-1948347274, Murmur2.Hash(all));
    }
}
