using System.Text.Json;
using Cluster.EndToEnd.Tests.Infrastructure;

namespace Cluster.EndToEnd.Tests.Api;

[Collection(SingleNodeCollection.Name)]
public class TopicApiTests
{
    private readonly SingleNodeFixture _fixture;

    public TopicApiTests(SingleNodeFixture fixture) => _fixture = fixture;

    private HttpJson Http => _fixture.Http;

    private async Task<string[]> ListAsync(string query = "")
    {
        var response = await Http.GetAsync("/v1/topics" + query);
        Assert.Equal(200, response.Status);
        return response["topics"].EnumerateArray().Select(t => t.GetString()!).ToArray();
    }

    private static Dictionary<string, string> Configs(JsonElement configs) =>
        configs.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);

    [Fact]
    public async Task Create_list_describe_alter_configs_and_delete()
    {
        var name = Topics.Unique("orders");
        var created = await Http.PostAsync("/v1/topics",
            $$$"""{"name":"{{{name}}}","partitions":3,"replicationFactor":1,"configs":{"min.insync.replicas":"1","retention.ms":"604800000","retention.bytes":"-1"}}""");
        Assert.Equal(201, created.Status);
        Assert.Equal("application/json", created.ContentType);
        Assert.Equal(name, created["name"].GetString());
        var configs = Configs(created["configs"]);
        Assert.Equal("604800000", configs["retention.ms"]);
        Assert.Equal("1048588", configs["max.message.bytes"]); // defaults are shown too
        var partitions = created["partitions"].EnumerateArray().ToArray();
        Assert.Equal(3, partitions.Length);
        for (var p = 0; p < 3; p++)
        {
            var partition = partitions[p];
            Assert.Equal(p, partition.GetProperty("partition").GetInt32());
            Assert.Equal(1, partition.GetProperty("leader").GetInt32());
            Assert.True(partition.GetProperty("leaderEpoch").GetInt32() >= 0);
            Assert.Equal(new[] { 1 }, partition.GetProperty("replicas").EnumerateArray().Select(r => r.GetInt32()));
            Assert.Equal(new[] { 1 }, partition.GetProperty("isr").EnumerateArray().Select(r => r.GetInt32()));
            foreach (var offset in new[] { "logStartOffset", "highWatermark", "lastStableOffset", "logEndOffset" })
                Assert.Equal(0, partition.GetProperty(offset).GetInt64());
        }

        Assert.Contains(name, await ListAsync());

        var described = await Http.GetAsync($"/v1/topics/{name}");
        Assert.Equal(200, described.Status);
        Assert.Equal(created.Body, described.Body);

        var altered = await Http.PutAsync($"/v1/topics/{name}/configs", """{"retention.ms":"60000"}""");
        Assert.Equal(200, altered.Status);
        var all = Configs(altered["configs"]);
        Assert.Equal("60000", all["retention.ms"]);
        Assert.Equal("1", all["min.insync.replicas"]);
        Assert.Equal(configs.Keys.Order(), all.Keys.Order());

        // A number is taken as its text, as a Kafka user would expect.
        var numeric = await Http.PutAsync($"/v1/topics/{name}/configs", """{"retention.ms":120000,"unclean.leader.election.enable":false}""");
        Assert.Equal(200, numeric.Status);
        Assert.Equal("120000", Configs(numeric["configs"])["retention.ms"]);
        Assert.Equal("120000", Configs((await Http.GetAsync($"/v1/topics/{name}"))["configs"])["retention.ms"]);

        var deleted = await Http.DeleteAsync($"/v1/topics/{name}");
        Assert.Equal(204, deleted.Status);
        Assert.Equal("", deleted.Body);
        var gone = await Http.GetAsync($"/v1/topics/{name}");
        Assert.Equal((404, "UNKNOWN_TOPIC_OR_PARTITION"), (gone.Status, gone.Error));
        Assert.DoesNotContain(name, await ListAsync());
        var again = await Http.DeleteAsync($"/v1/topics/{name}");
        Assert.Equal((404, "UNKNOWN_TOPIC_OR_PARTITION"), (again.Status, again.Error));
    }

    [Fact]
    public async Task Omitted_fields_default_to_one_partition_and_one_replica()
    {
        var name = Topics.Unique("defaults");
        var created = await Http.PostAsync("/v1/topics", $$"""{"name":"{{name}}"}""");
        Assert.Equal(201, created.Status);
        var partition = Assert.Single(created["partitions"].EnumerateArray());
        Assert.Equal(1, partition.GetProperty("replicas").GetArrayLength());
    }

    [Fact]
    public async Task Describe_shows_the_leaders_offsets()
    {
        var name = Topics.Unique("describe");
        await Http.CreateTopicAsync(name, partitions: 2);
        await Http.ProduceAsync(name, new { records = new[] { new { partition = 1, value = "a" }, new { partition = 1, value = "b" } } });
        var partitions = (await Http.GetAsync($"/v1/topics/{name}"))["partitions"];
        Assert.Equal(0, partitions[0].GetProperty("highWatermark").GetInt64());
        Assert.Equal(2, partitions[1].GetProperty("highWatermark").GetInt64());
        Assert.Equal(2, partitions[1].GetProperty("logEndOffset").GetInt64());
        Assert.Equal(2, partitions[1].GetProperty("lastStableOffset").GetInt64());
        Assert.Equal(0, partitions[1].GetProperty("logStartOffset").GetInt64());
    }

    [Fact]
    public async Task Internal_topics_are_listed_only_on_request()
    {
        var name = Topics.Unique("visible");
        await Http.CreateTopicAsync(name);
        var plain = await ListAsync();
        Assert.Contains(name, plain);
        Assert.DoesNotContain(plain, t => t.StartsWith("__", StringComparison.Ordinal));
        var all = await ListAsync("?internal=true");
        Assert.Contains(name, all);
        Assert.Superset(plain.ToHashSet(), all.ToHashSet());
        Assert.Equal(plain, await ListAsync("?internal=false"));
        var bad = await Http.GetAsync("/v1/topics?internal=maybe");
        Assert.Equal((400, "INVALID_REQUEST"), (bad.Status, bad.Error));
    }

    [Fact]
    public async Task A_topic_that_exists_cannot_be_created_again()
    {
        var name = Topics.Unique("twice");
        await Http.CreateTopicAsync(name, partitions: 2);
        var again = await Http.PostAsync("/v1/topics", new { name, partitions = 5 });
        Assert.Equal((409, "TOPIC_ALREADY_EXISTS"), (again.Status, again.Error));
        Assert.Equal(2, (await Http.GetAsync($"/v1/topics/{name}"))["partitions"].GetArrayLength());
    }

    public static TheoryData<string> InvalidNames => new()
    {
        ".", "..", new string('a', 250), "has space", "slash/ed", "ümlaut", "star*", "",
    };

    [Theory]
    [MemberData(nameof(InvalidNames))]
    public async Task Invalid_names_are_INVALID_TOPIC_EXCEPTION(string name)
    {
        var response = await Http.PostAsync("/v1/topics", new { name });
        Assert.Equal((400, "INVALID_TOPIC_EXCEPTION"), (response.Status, response.Error));
        Assert.False(string.IsNullOrWhiteSpace(response["message"].GetString()));
        if (name.Length > 0) Assert.DoesNotContain(name, await ListAsync("?internal=true"));
    }

    [Fact]
    public async Task A_name_of_249_legal_characters_is_fine()
    {
        var name = ("a._-Z9" + Guid.NewGuid().ToString("N") + new string('x', 249))[..249];
        Assert.Equal(201, (await Http.PostAsync("/v1/topics", new { name })).Status);
        Assert.Equal(204, (await Http.DeleteAsync($"/v1/topics/{name}")).Status);
    }

    [Theory]
    [InlineData(2, 1, "INVALID_REPLICATION_FACTOR")] // more than the one live broker
    [InlineData(0, 1, "INVALID_REPLICATION_FACTOR")]
    [InlineData(1, 0, "INVALID_PARTITIONS")]
    [InlineData(1, -3, "INVALID_PARTITIONS")]
    public async Task Bad_counts_are_refused_and_create_nothing(int replicationFactor, int partitions, string error)
    {
        var name = Topics.Unique("counts");
        var response = await Http.PostAsync("/v1/topics", new { name, partitions, replicationFactor });
        Assert.Equal((400, error), (response.Status, response.Error));
        Assert.DoesNotContain(name, await ListAsync());
    }

    [Fact]
    public async Task Replication_factor_minus_one_asks_for_the_default_as_in_Kafka()
    {
        var created = await Http.PostAsync("/v1/topics", new { name = Topics.Unique("rf-default"), replicationFactor = -1 });
        Assert.Equal(201, created.Status);
        Assert.Equal(1, created["partitions"][0].GetProperty("replicas").GetArrayLength()); // one live broker
    }

    [Theory]
    [InlineData("""{"no.such.config":"1"}""")]
    [InlineData("""{"retention.ms":"soon"}""")]
    [InlineData("""{"min.insync.replicas":"0"}""")]
    [InlineData("""{"cleanup.policy":"compact"}""")]
    [InlineData("""{"retention.ms":null}""")]
    [InlineData("""{"retention.ms":["1"]}""")]
    public async Task Bad_configs_are_INVALID_CONFIG_and_create_nothing(string configs)
    {
        var name = Topics.Unique("configs");
        var response = await Http.PostAsync("/v1/topics", "{\"name\":\"" + name + "\",\"configs\":" + configs + "}");
        Assert.Equal((400, "INVALID_CONFIG"), (response.Status, response.Error));
        Assert.DoesNotContain(name, await ListAsync());
    }

    [Fact]
    public async Task A_refused_config_change_changes_nothing()
    {
        var name = Topics.Unique("alter");
        var before = (await Http.CreateTopicAsync(name))["configs"].GetRawText();
        var response = await Http.PutAsync($"/v1/topics/{name}/configs", """{"retention.ms":"1000","bogus.key":"1"}""");
        Assert.Equal((400, "INVALID_CONFIG"), (response.Status, response.Error));
        var wrong = await Http.PutAsync($"/v1/topics/{name}/configs", """["retention.ms"]""");
        Assert.Equal((400, "INVALID_REQUEST"), (wrong.Status, wrong.Error));
        var broken = await Http.PutAsync($"/v1/topics/{name}/configs", """{"retention.ms":""");
        Assert.Equal((400, "INVALID_REQUEST"), (broken.Status, broken.Error));
        Assert.Equal(before, (await Http.GetAsync($"/v1/topics/{name}"))["configs"].GetRawText());

        var unknown = await Http.PutAsync($"/v1/topics/{Topics.Unique("nope")}/configs", """{"retention.ms":"1000"}""");
        Assert.Equal((404, "UNKNOWN_TOPIC_OR_PARTITION"), (unknown.Status, unknown.Error));
    }

    [Theory]
    [InlineData("""{"partitions":1}""", "name")]
    [InlineData("""{"name":7}""", "name")]
    [InlineData("""{"name":"x","partitions":"3"}""", "partitions")]
    [InlineData("""{"name":"x","replicationFactor":true}""", "replicationFactor")]
    [InlineData("""{"name":"x","configs":"retention.ms=1"}""", "configs")]
    [InlineData("""["x"]""", "object")]
    [InlineData("""{"name":"x",}""", "JSON")]
    [InlineData("""{"name":"x""", "JSON")]
    [InlineData("", "empty")]
    public async Task Malformed_or_mistyped_create_requests_are_INVALID_REQUEST(string body, string named)
    {
        var response = await Http.PostAsync("/v1/topics", body);
        Assert.Equal((400, "INVALID_REQUEST"), (response.Status, response.Error));
        Assert.Contains(named, response["message"].GetString());
    }
}
