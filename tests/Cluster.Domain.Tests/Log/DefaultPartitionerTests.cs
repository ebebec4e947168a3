using System.Text;
using Cluster.Domain.Log;
using Xunit;

namespace Cluster.Domain.Tests.Log;

public class DefaultPartitionerTests
{
    // Expected partitions come from a separate Java implementation of
    // toPositive(murmur2(key)) % numPartitions, not from this code.
    [Theory]
    [InlineData("", 6, 3)]
    [InlineData("", 1000, 681)]
    [InlineData("a", 3, 1)]
    [InlineData("a", 12, 4)]
    [InlineData("ab", 50, 34)]
    [InlineData("abc", 100, 7)]
    [InlineData("key-0", 3, 1)]
    [InlineData("key-1", 1000, 640)]
    [InlineData("key-42", 6, 3)]
    [InlineData("user:1001", 3, 2)]
    [InlineData("user:1001", 1000, 913)]
    [InlineData("order-7f3a9c", 100, 76)]
    [InlineData("héllo wörld", 12, 6)]
    [InlineData("日本語", 50, 20)]
    [InlineData("0123456789abcdef0123456789abcdef", 1000, 833)]
    public void Matches_java_reference(string key, int partitions, int expected)
    {
        Assert.Equal(expected, DefaultPartitioner.PartitionForKey(Encoding.UTF8.GetBytes(key), partitions));
    }

    [Fact]
    public void One_partition_takes_everything()
    {
        Assert.Equal(0, DefaultPartitioner.PartitionForKey("anything"u8, 1));
    }

    [Fact]
    public void To_positive_masks_the_sign_bit()
    {
        Assert.Equal(0, DefaultPartitioner.ToPositive(int.MinValue));
        Assert.Equal(int.MaxValue, DefaultPartitioner.ToPositive(-1));
        Assert.Equal(5, DefaultPartitioner.ToPositive(5));
    }

    [Fact]
    public void Rejects_no_partitions()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DefaultPartitioner.PartitionForKey("k"u8, 0));
    }
}
