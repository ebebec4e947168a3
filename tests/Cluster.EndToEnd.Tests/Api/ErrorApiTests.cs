using System.Net.Http.Headers;
using System.Text;
using Cluster.EndToEnd.Tests.Infrastructure;

namespace Cluster.EndToEnd.Tests.Api;

/// <summary>Every class of bad request: the contract's status and error name, a message, and no change.</summary>
[Collection(SingleNodeCollection.Name)]
public class ErrorApiTests
{
    private readonly SingleNodeFixture _fixture;

    public ErrorApiTests(SingleNodeFixture fixture) => _fixture = fixture;

    private HttpJson Http => _fixture.Http;

    private static void AssertError(JsonResponse response, int status, string error)
    {
        Assert.True(status == response.Status && error == response.Error, $"expected {status} {error}, got {response}");
        Assert.Equal("application/json", response.ContentType);
        Assert.False(string.IsNullOrWhiteSpace(response["message"].GetString()));
    }

    private async Task<long> HighWatermarkAsync(string topic, int partition = 0) =>
        (await Http.GetAsync($"/v1/topics/{topic}"))["partitions"][partition].GetProperty("highWatermark").GetInt64();

    private async Task<string> TopicWithRecordsAsync(string prefix, int partitions = 1, int records = 2)
    {
        var topic = Topics.Unique(prefix);
        await Http.CreateTopicAsync(topic, partitions);
        if (records > 0)
            await Http.ProduceAsync(topic, new { records = Enumerable.Range(0, records).Select(i => new { partition = 0, value = $"r{i}" }).ToArray() });
        return topic;
    }

    [Theory]
    [InlineData("{\"records\":[{\"value\":\"v\"}", "not valid JSON")]
    [InlineData("{records:[]}", "not valid JSON")]
    [InlineData("{\"records\":[{\"value\":\"v\"}]}}", "not valid JSON")]
    [InlineData("[]", "JSON object")]
    [InlineData("\"records\"", "JSON object")]
    [InlineData("", "empty")]
    [InlineData("{}", "records")]
    [InlineData("{\"records\":[]}", "records")]
    [InlineData("{\"records\":{\"value\":\"v\"}}", "records")]
    [InlineData("{\"records\":[\"v\"]}", "records[0]")]
    [InlineData("{\"records\":[{\"value\":\"v\"},{\"key\":5,\"value\":\"v\"}]}", "records[1].key")]
    [InlineData("{\"records\":[{\"value\":[\"v\"]}]}", "records[0].value")]
    [InlineData("{\"records\":[{\"value\":\"v\",\"partition\":\"0\"}]}", "records[0].partition")]
    [InlineData("{\"records\":[{\"value\":\"v\",\"headers\":[\"h\"]}]}", "records[0].headers")]
    [InlineData("{\"records\":[{\"value\":\"v\",\"headers\":{\"h\":42}}]}", "headers.h")]
    [InlineData("{\"encoding\":\"hex\",\"records\":[{\"value\":\"v\"}]}", "encoding")]
    [InlineData("{\"encoding\":\"base64\",\"records\":[{\"value\":\"***\"}]}", "base64")]
    [InlineData("{\"producerId\":\"1\",\"records\":[{\"value\":\"v\"}]}", "producerId")]
    [InlineData("{\"producerId\":1,\"records\":[{\"value\":\"v\"}]}", "producerEpoch")]
    public async Task Malformed_mistyped_or_incomplete_produce_requests_are_400_and_write_nothing(string body, string named)
    {
        var topic = await TopicWithRecordsAsync("badproduce");
        var response = await Http.PostAsync($"/v1/topics/{topic}/records", body);
        AssertError(response, 400, "INVALID_REQUEST");
        Assert.Contains(named, response["message"].GetString());
        Assert.Equal(2, await HighWatermarkAsync(topic));
    }

    [Fact]
    public async Task A_body_that_is_not_UTF_8_is_INVALID_REQUEST()
    {
        var topic = await TopicWithRecordsAsync("notutf8");
        var body = Encoding.UTF8.GetBytes("{\"encoding\":\"utf8?\",\"records\":[{\"value\":\"v?\"}]}");
        for (var i = 0; i < body.Length; i++)
            if (body[i] == (byte)'?') body[i] = 0xFF;
        var response = await Http.SendAsync(HttpMethod.Post, $"/v1/topics/{topic}/records", new ByteArrayContent(body));
        AssertError(response, 400, "INVALID_REQUEST");
        var create = await Http.SendAsync(HttpMethod.Post, "/v1/topics", new ByteArrayContent([.. "{\"name\":\"x"u8, 0xC3, .. "\"}"u8]));
        AssertError(create, 400, "INVALID_REQUEST");
        Assert.Equal(2, await HighWatermarkAsync(topic));
    }

    [Fact]
    public async Task Unknown_topics_are_UNKNOWN_TOPIC_OR_PARTITION_and_never_created_implicitly()
    {
        var topic = Topics.Unique("missing");
        AssertError(await Http.PostAsync($"/v1/topics/{topic}/records", """{"records":[{"value":"v"}]}"""), 404, "UNKNOWN_TOPIC_OR_PARTITION");
        AssertError(await Http.GetAsync($"/v1/topics/{topic}/partitions/0/records?offset=0"), 404, "UNKNOWN_TOPIC_OR_PARTITION");
        AssertError(await Http.GetAsync($"/v1/topics/{topic}/partitions/0/offsets?at=latest"), 404, "UNKNOWN_TOPIC_OR_PARTITION");
        AssertError(await Http.GetAsync($"/v1/topics/{topic}"), 404, "UNKNOWN_TOPIC_OR_PARTITION");
        AssertError(await Http.DeleteAsync($"/v1/topics/{topic}"), 404, "UNKNOWN_TOPIC_OR_PARTITION");
        Assert.DoesNotContain(topic, (await Http.GetAsync("/v1/topics?internal=true")).Body);
    }

    [Fact]
    public async Task Partitions_the_topic_does_not_have_are_UNKNOWN_TOPIC_OR_PARTITION()
    {
        var topic = await TopicWithRecordsAsync("partitions", partitions: 2);
        AssertError(await Http.GetAsync($"/v1/topics/{topic}/partitions/2/records?offset=0"), 404, "UNKNOWN_TOPIC_OR_PARTITION");
        AssertError(await Http.GetAsync($"/v1/topics/{topic}/partitions/-1/records?offset=0"), 404, "UNKNOWN_TOPIC_OR_PARTITION");
        AssertError(await Http.GetAsync($"/v1/topics/{topic}/partitions/7/offsets?at=earliest"), 404, "UNKNOWN_TOPIC_OR_PARTITION");
        AssertError(await Http.PostAsync($"/v1/topics/{topic}/records", """{"records":[{"value":"ok","partition":0},{"value":"v","partition":2}]}"""),
            404, "UNKNOWN_TOPIC_OR_PARTITION");
        AssertError(await Http.PostAsync($"/v1/topics/{topic}/records", """{"records":[{"value":"v","partition":-1}]}"""),
            404, "UNKNOWN_TOPIC_OR_PARTITION");
        Assert.Equal(2, await HighWatermarkAsync(topic));
        Assert.Equal(0, await HighWatermarkAsync(topic, 1));
    }

    [Fact]
    public async Task Offsets_above_the_high_watermark_or_below_the_log_start_are_OFFSET_OUT_OF_RANGE()
    {
        var topic = await TopicWithRecordsAsync("range", records: 3);
        AssertError(await Http.GetAsync($"/v1/topics/{topic}/partitions/0/records?offset=4"), 416, "OFFSET_OUT_OF_RANGE");
        AssertError(await Http.GetAsync($"/v1/topics/{topic}/partitions/0/records?offset=-1"), 416, "OFFSET_OUT_OF_RANGE");
        Assert.Equal(200, (await Http.GetAsync($"/v1/topics/{topic}/partitions/0/records?offset=3")).Status);
    }

    [Fact]
    public async Task An_offset_that_retention_deleted_is_OFFSET_OUT_OF_RANGE()
    {
        var topic = Topics.Unique("retention");
        await Http.CreateTopicAsync(topic, configs: new Dictionary<string, string> { ["retention.bytes"] = "1" });
        for (var i = 0; i < 3; i++) await Http.ProduceAsync(topic, new { records = new[] { new { value = new string('x', 100) } } });

        var deadline = DateTime.UtcNow.AddSeconds(30);
        long logStart = 0;
        JsonResponse? described = null;
        while (DateTime.UtcNow < deadline)
        {
            described = await Http.GetAsync($"/v1/topics/{topic}");
            logStart = described["partitions"][0].GetProperty("logStartOffset").GetInt64();
            if (logStart > 0) break;
            await Task.Delay(200);
        }
        Assert.True(logStart > 0, $"retention never moved the log start: {described}\n{_fixture.Node.LogTail(30)}");
        AssertError(await Http.GetAsync($"/v1/topics/{topic}/partitions/0/records?offset=0"), 416, "OFFSET_OUT_OF_RANGE");
        var earliest = await Http.GetAsync($"/v1/topics/{topic}/partitions/0/offsets?at=earliest");
        Assert.Equal(logStart, earliest["offset"].GetInt64());
        Assert.Equal(logStart, (await Http.FetchAsync(topic, 0, logStart))["logStartOffset"].GetInt64());
    }

    [Theory]
    [InlineData("/partitions/zero/records?offset=0")]
    [InlineData("/partitions/1.5/records?offset=0")]
    [InlineData("/partitions/99999999999/records?offset=0")]
    [InlineData("/partitions/0/records?offset=abc")]
    [InlineData("/partitions/0/records?offset=")]
    [InlineData("/partitions/0/records?offset=0&offset=1")]
    [InlineData("/partitions/0/records?offset=0&maxRecords=ten")]
    [InlineData("/partitions/0/records?offset=0&maxRecords=0")]
    [InlineData("/partitions/0/records?offset=0&maxBytes=1MB")]
    [InlineData("/partitions/0/records?offset=0&waitMs=1.5")]
    [InlineData("/partitions/0/records?offset=0&waitMs=-1")]
    [InlineData("/partitions/0/records?offset=0&waitMs=30001")]
    [InlineData("/partitions/0/records?offset=0&isolation=serializable")]
    [InlineData("/partitions/0/records?offset=0&encoding=hex")]
    [InlineData("/partitions/x/offsets?at=latest")]
    [InlineData("/partitions/0/offsets?at=yesterday")]
    [InlineData("/partitions/0/offsets?at=-5")]
    [InlineData("/partitions/0/offsets")]
    public async Task Non_numeric_or_invalid_parameters_are_INVALID_REQUEST(string path)
    {
        var topic = await TopicWithRecordsAsync("params", records: 0);
        AssertError(await Http.GetAsync($"/v1/topics/{topic}{path}"), 400, "INVALID_REQUEST");
    }

    [Theory]
    [InlineData("GET", "/v1/nothing-here")]
    [InlineData("GET", "/v1")]
    [InlineData("POST", "/v2/topics")]
    [InlineData("GET", "/v1/topics/t/partitions")]
    [InlineData("GET", "/v1/topics/t/partitions/0")]
    [InlineData("GET", "/v1/topics/t/partitions/0/records/extra")]
    public async Task Unknown_routes_are_404_INVALID_REQUEST(string method, string path) =>
        AssertError(await Http.SendAsync(new HttpMethod(method), path, null), 404, "INVALID_REQUEST");

    [Theory]
    [InlineData("PATCH", "/v1/topics")]
    [InlineData("DELETE", "/v1/topics")]
    [InlineData("POST", "/v1/topics/t")]
    [InlineData("GET", "/v1/topics/t/records")]
    [InlineData("GET", "/v1/topics/t/configs")]
    [InlineData("POST", "/v1/topics/t/partitions/0/records")]
    [InlineData("DELETE", "/v1/cluster")]
    [InlineData("POST", "/v1/health")]
    public async Task Known_routes_with_another_method_are_405_INVALID_REQUEST(string method, string path) =>
        AssertError(await Http.SendAsync(new HttpMethod(method), path, null), 405, "INVALID_REQUEST");

    [Fact]
    public async Task A_body_over_the_limit_is_413_RECORD_LIST_TOO_LARGE_with_or_without_a_content_length()
    {
        var topic = await TopicWithRecordsAsync("huge");
        var value = new string('x', 1000);
        var builder = new StringBuilder("{\"records\":[");
        for (var i = 0; i < 9 * 1024; i++) builder.Append(i == 0 ? "" : ",").Append("{\"value\":\"").Append(value).Append("\"}");
        var json = builder.Append("]}").ToString(); // about 9.2 MB, over the default 8 MiB
        AssertError(await Http.PostAsync($"/v1/topics/{topic}/records", json), 413, "RECORD_LIST_TOO_LARGE");

        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json)), 64 * 1024);
        chunked.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/topics/{topic}/records") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        AssertError(await Http.SendAsync(request), 413, "RECORD_LIST_TOO_LARGE");

        Assert.Equal(2, await HighWatermarkAsync(topic));
    }

    [Fact]
    public async Task A_body_without_a_json_content_type_is_read_as_json()
    {
        var topic = await TopicWithRecordsAsync("curl", records: 0);
        var plain = new ByteArrayContent("""{"records":[{"value":"from curl"}]}"""u8.ToArray());
        Assert.Equal(200, (await Http.SendAsync(HttpMethod.Post, $"/v1/topics/{topic}/records", plain)).Status);
        var form = new StringContent("""{"records":[{"value":"form"}]}""", Encoding.UTF8, "application/x-www-form-urlencoded");
        Assert.Equal(200, (await Http.SendAsync(HttpMethod.Post, $"/v1/topics/{topic}/records", form)).Status);
        Assert.Equal(2, await HighWatermarkAsync(topic));
    }

    [Fact]
    public async Task A_transactional_produce_for_an_id_never_initialised_is_refused_and_writes_nothing()
    {
        var topic = await TopicWithRecordsAsync("txn");
        var response = await Http.PostAsync($"/v1/topics/{topic}/records",
            """{"transactionalId":"tx","producerId":5,"producerEpoch":0,"baseSequence":0,"records":[{"value":"v"}]}""");
        AssertError(response, 400, "INVALID_REQUEST");
        Assert.Equal(2, await HighWatermarkAsync(topic));
    }
}
