using System.Text;
using Cluster.Api.Http;
using Cluster.Api.Topics;
using Cluster.Domain.Protocol;

namespace Cluster.Api.Tests;

public class TopicRequestParserTests
{
    private static CreateTopicRequest Create(string json) => TopicRequestParser.ParseCreate(Encoding.UTF8.GetBytes(json));

    private static ApiException RefusedCreate(string json) => Assert.Throws<ApiException>(() => Create(json));

    [Fact]
    public void Defaults_are_one_partition_one_replica_no_configs()
    {
        var request = Create("""{"name":"orders"}""");
        Assert.Equal(new CreateTopicRequest("orders", 1, 1, request.Configs), request);
        Assert.Empty(request.Configs);
    }

    [Fact]
    public void Config_numbers_and_booleans_are_taken_as_their_text()
    {
        var request = Create("""{"name":"t","partitions":3,"replicationFactor":1,"configs":{"retention.ms":60000,"unclean.leader.election.enable":true,"retention.bytes":"-1"}}""");
        Assert.Equal(3, request.Partitions);
        Assert.Equal("60000", request.Configs["retention.ms"]);
        Assert.Equal("true", request.Configs["unclean.leader.election.enable"]);
        Assert.Equal("-1", request.Configs["retention.bytes"]);
    }

    [Theory]
    [InlineData("""{"partitions":1}""", ErrorCode.InvalidRequest, "name")]
    [InlineData("""{"name":null}""", ErrorCode.InvalidRequest, "name")]
    [InlineData("""{"name":5}""", ErrorCode.InvalidRequest, "name")]
    [InlineData("""{"name":"t","partitions":"3"}""", ErrorCode.InvalidRequest, "partitions")]
    [InlineData("""{"name":"t","replicationFactor":[1]}""", ErrorCode.InvalidRequest, "replicationFactor")]
    [InlineData("""{"name":"t","partitions":1.5}""", ErrorCode.InvalidPartitions, "partitions")]
    [InlineData("""{"name":"t","replicationFactor":99999999999}""", ErrorCode.InvalidReplicationFactor, "replicationFactor")]
    [InlineData("""{"name":"t","configs":[]}""", ErrorCode.InvalidRequest, "configs")]
    [InlineData("""{"name":"t","configs":{"retention.ms":null}}""", ErrorCode.InvalidConfig, "retention.ms")]
    [InlineData("""{"name":"t","configs":{"retention.ms":{}}}""", ErrorCode.InvalidConfig, "retention.ms")]
    [InlineData("""{"name":"t","configs":{"no.such.config":"1"}}""", ErrorCode.InvalidConfig, "no.such.config")]
    [InlineData("""{"name":"t","configs":{"retention.ms":"soon"}}""", ErrorCode.InvalidConfig, "retention.ms")]
    [InlineData("""{"name":"."}""", ErrorCode.InvalidTopicException, ".")]
    [InlineData("""{"name":".."}""", ErrorCode.InvalidTopicException, "..")]
    [InlineData("""{"name":""}""", ErrorCode.InvalidTopicException, "empty")]
    [InlineData("""{"name":"a b"}""", ErrorCode.InvalidTopicException, "character")]
    [InlineData("""{"name":"a/b"}""", ErrorCode.InvalidTopicException, "character")]
    [InlineData("""{"name":"t"} x""", ErrorCode.InvalidRequest, "JSON")]
    [InlineData("""{"name":"t" """, ErrorCode.InvalidRequest, "JSON")]
    [InlineData("""["t"]""", ErrorCode.InvalidRequest, "object")]
    [InlineData("", ErrorCode.InvalidRequest, "empty")]
    [InlineData(" \n", ErrorCode.InvalidRequest, "empty")]
    public void Bad_create_requests(string json, ErrorCode error, string named)
    {
        var e = RefusedCreate(json);
        Assert.Equal(error, e.Error);
        Assert.Equal(400, e.Status);
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void Names_of_249_characters_pass_250_do_not()
    {
        Assert.Equal(249, Create($$"""{"name":"{{new string('a', 249)}}"}""").Name.Length);
        Assert.Equal(ErrorCode.InvalidTopicException, RefusedCreate($$"""{"name":"{{new string('a', 250)}}"}""").Error);
    }

    [Fact]
    public void Config_changes_are_a_flat_object()
    {
        var configs = TopicRequestParser.ParseConfigs("""{"retention.ms":"60000","min.insync.replicas":2}"""u8);
        Assert.Equal("60000", configs["retention.ms"]);
        Assert.Equal("2", configs["min.insync.replicas"]);
        Assert.Equal(ErrorCode.InvalidRequest, Assert.Throws<ApiException>(() => TopicRequestParser.ParseConfigs("[1]"u8)).Error);
        Assert.Equal(ErrorCode.InvalidConfig, Assert.Throws<ApiException>(() => TopicRequestParser.ParseConfigs("""{"x":"1"}"""u8)).Error);
    }
}
