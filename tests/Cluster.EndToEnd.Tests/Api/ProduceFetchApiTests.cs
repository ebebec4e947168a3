using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Cluster.Domain.Log;
using Cluster.EndToEnd.Tests.Infrastructure;

namespace Cluster.EndToEnd.Tests.Api;

[Collection(SingleNodeCollection.Name)]
public class ProduceFetchApiTests
{
    private readonly SingleNodeFixture _fixture;

    public ProduceFetchApiTests(SingleNodeFixture fixture) => _fixture = fixture;

    private HttpJson Http => _fixture.Http;

    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static JsonElement[] Records(JsonResponse fetch) => fetch["records"].EnumerateArray().ToArray();

    [Fact]
    public async Task Utf8_records_with_keys_headers_nulls_and_tombstones_come_back_as_sent()
    {
        var topic = Topics.Unique("utf8");
        await Http.CreateTopicAsync(topic);
        var before = NowMs;
        var produced = await Http.PostAsync($"/v1/topics/{topic}/records", """
            {"acks":"all","encoding":"utf8","records":[
              {"key":"user-7","value":"hello","partition":null,"headers":{"h":"v","empty":"","none":null}},
              {"key":"user-7","value":null},
              {"key":null,"value":"no key"},
              {"value":"héllo wörld 日本 🎉"}
            ],"producerId":null,"producerEpoch":null,"baseSequence":null,"transactionalId":null}
            """);
        Assert.Equal(200, produced.Status);
        var offsets = produced["offsets"].EnumerateArray().ToArray();
        Assert.Equal(new long[] { 0, 1, 2, 3 }, offsets.Select(o => o.GetProperty("offset").GetInt64()));
        Assert.All(offsets, o => Assert.Equal(0, o.GetProperty("partition").GetInt32()));

        var fetch = await Http.FetchAsync(topic, 0, 0);
        var records = Records(fetch);
        Assert.Equal(4, records.Length);
        Assert.Equal(4, fetch["nextOffset"].GetInt64());
        Assert.Equal(4, fetch["highWatermark"].GetInt64());
        Assert.Equal(4, fetch["lastStableOffset"].GetInt64());
        Assert.Equal(0, fetch["logStartOffset"].GetInt64());

        Assert.Equal(0, records[0].GetProperty("offset").GetInt64());
        Assert.InRange(records[0].GetProperty("timestamp").GetInt64(), before - 1000, NowMs + 1000);
        Assert.Equal("user-7", records[0].GetProperty("key").GetString());
        Assert.Equal("hello", records[0].GetProperty("value").GetString());
        var headers = records[0].GetProperty("headers");
        Assert.Equal("v", headers.GetProperty("h").GetString());
        Assert.Equal("", headers.GetProperty("empty").GetString());
        Assert.Equal(JsonValueKind.Null, headers.GetProperty("none").ValueKind);

        Assert.Equal(JsonValueKind.Null, records[1].GetProperty("value").ValueKind); // tombstone
        Assert.Equal("user-7", records[1].GetProperty("key").GetString());
        Assert.Equal(JsonValueKind.Null, records[2].GetProperty("key").ValueKind);
        Assert.Equal("no key", records[2].GetProperty("value").GetString());
        Assert.Equal("héllo wörld 日本 🎉", records[3].GetProperty("value").GetString());
        Assert.Equal(0, records[3].GetProperty("headers").EnumerateObject().Count());
    }

    [Fact]
    public async Task Binary_data_round_trips_with_base64_and_reads_as_replacement_characters_in_utf8()
    {
        var topic = Topics.Unique("binary");
        await Http.CreateTopicAsync(topic);
        var value = new byte[512];
        new Random(7).NextBytes(value);
        value[0] = 0xFF; // never valid UTF-8
        var key = new byte[] { 0, 1, 2, 0xC3 };
        var header = new byte[] { 0xFE, 0x00 };
        await Http.ProduceAsync(topic, new
        {
            encoding = "base64",
            records = new[] { new { key = Convert.ToBase64String(key), value = Convert.ToBase64String(value), headers = new Dictionary<string, string> { ["bin"] = Convert.ToBase64String(header) } } },
        });

        var base64 = Records(await Http.FetchAsync(topic, 0, 0, "&encoding=base64")).Single();
        Assert.Equal(key, base64.GetProperty("key").GetBytesFromBase64());
        Assert.Equal(value, base64.GetProperty("value").GetBytesFromBase64());
        Assert.Equal(header, base64.GetProperty("headers").GetProperty("bin").GetBytesFromBase64());

        var utf8 = Records(await Http.FetchAsync(topic, 0, 0, "&encoding=utf8")).Single();
        Assert.Contains('\uFFFD', utf8.GetProperty("value").GetString());
        Assert.StartsWith("\0\u0001\u0002\uFFFD", utf8.GetProperty("key").GetString());

        var bad = await Http.PostAsync($"/v1/topics/{topic}/records", """{"encoding":"base64","records":[{"value":"%%%not base64"}]}""");
        Assert.Equal((400, "INVALID_REQUEST"), (bad.Status, bad.Error));
    }

    [Fact]
    public async Task Keyed_records_land_where_Kafkas_default_partitioner_puts_them()
    {
        var topic = Topics.Unique("keyed");
        await Http.CreateTopicAsync(topic, partitions: 6);
        var keys = new[] { "user-1", "user-2", "user-7", "order-42", "a", "b", "c", "", "日本", "key with spaces" };
        var offsets = await Http.ProduceAsync(topic, new { records = keys.Select(k => new { key = k, value = "v-" + k }).ToArray() });

        for (var i = 0; i < keys.Length; i++)
            Assert.Equal(DefaultPartitioner.PartitionForKey(Encoding.UTF8.GetBytes(keys[i]), 6), offsets[i].Partition);

        // The same key always goes to the same partition, and the record is there.
        var again = await Http.ProduceAsync(topic, new { records = new[] { new { key = "user-7", value = "again" } } });
        Assert.Equal(offsets[2].Partition, again[0].Partition);
        var fetched = Records(await Http.FetchAsync(topic, again[0].Partition, again[0].Offset)).First();
        Assert.Equal("user-7", fetched.GetProperty("key").GetString());
        Assert.Equal("again", fetched.GetProperty("value").GetString());

        // An explicit partition wins over the key.
        var explicitly = await Http.ProduceAsync(topic, new { records = new object[] { new { key = "user-7", value = "x", partition = (offsets[2].Partition + 1) % 6 } } });
        Assert.Equal((offsets[2].Partition + 1) % 6, explicitly[0].Partition);
    }

    [Fact]
    public async Task Records_without_key_spread_over_partitions_one_partition_per_request()
    {
        var topic = Topics.Unique("spread");
        await Http.CreateTopicAsync(topic, partitions: 4);
        var used = new HashSet<int>();
        for (var i = 0; i < 8; i++)
        {
            var offsets = await Http.ProduceAsync(topic, new { records = new[] { new { value = "a" }, new { value = "b" } } });
            Assert.Equal(offsets[0].Partition, offsets[1].Partition);
            Assert.Equal(offsets[0].Offset + 1, offsets[1].Offset);
            used.Add(offsets[0].Partition);
        }
        Assert.Equal(4, used.Count);
    }

    [Fact]
    public async Task Offsets_come_back_in_the_requests_record_order_across_partitions()
    {
        var topic = Topics.Unique("order");
        await Http.CreateTopicAsync(topic, partitions: 3);
        var partitions = new[] { 2, 0, 2, 1, 0, 2 };
        var offsets = await Http.ProduceAsync(topic, new { records = partitions.Select((p, i) => new { partition = p, value = $"r{i}" }).ToArray() });
        Assert.Equal(partitions, offsets.Select(o => o.Partition));
        Assert.Equal(new long[] { 0, 0, 1, 0, 1, 2 }, offsets.Select(o => o.Offset));
        var p2 = Records(await Http.FetchAsync(topic, 2, 0)).Select(r => r.GetProperty("value").GetString());
        Assert.Equal(new[] { "r0", "r2", "r5" }, p2);
    }

    [Theory]
    [InlineData("\"1\"")]
    [InlineData("\"all\"")]
    [InlineData("\"-1\"")]
    [InlineData("1")]
    public async Task Acks_1_and_all_answer_200_with_offsets(string acks)
    {
        var topic = Topics.Unique("acks");
        await Http.CreateTopicAsync(topic);
        var response = await Http.PostAsync($"/v1/topics/{topic}/records", $$"""{"acks":{{acks}},"records":[{"value":"v"}]}""");
        Assert.Equal(200, response.Status);
        Assert.Equal(0, response["offsets"][0].GetProperty("offset").GetInt64());
    }

    [Fact]
    public async Task Acks_0_answers_202_without_offsets_and_the_record_arrives()
    {
        var topic = Topics.Unique("acks0");
        await Http.CreateTopicAsync(topic);
        var response = await Http.PostAsync($"/v1/topics/{topic}/records", """{"acks":"0","records":[{"value":"fire and forget"}]}""");
        Assert.Equal(202, response.Status);
        Assert.False(response.Json.TryGetProperty("offsets", out _));

        var fetch = await Http.FetchAsync(topic, 0, 0, "&waitMs=5000");
        Assert.Equal("fire and forget", Records(fetch).Single().GetProperty("value").GetString());
    }

    [Theory]
    [InlineData("\"2\"")]
    [InlineData("\"none\"")]
    [InlineData("true")]
    [InlineData("[]")]
    public async Task Other_acks_are_INVALID_REQUEST(string acks)
    {
        var topic = Topics.Unique("badacks");
        await Http.CreateTopicAsync(topic);
        var response = await Http.PostAsync($"/v1/topics/{topic}/records", $$"""{"acks":{{acks}},"records":[{"value":"v"}]}""");
        Assert.Equal((400, "INVALID_REQUEST"), (response.Status, response.Error));
        Assert.Contains("acks", response["message"].GetString());
    }

    [Fact]
    public async Task Fetch_honours_max_records_and_max_bytes()
    {
        var topic = Topics.Unique("limits");
        await Http.CreateTopicAsync(topic);
        var payload = new string('x', 100);
        await Http.ProduceAsync(topic, new { records = Enumerable.Range(0, 20).Select(i => new { key = $"k{i}", value = payload }).ToArray() });

        var five = await Http.FetchAsync(topic, 0, 0, "&maxRecords=5");
        Assert.Equal(new long[] { 0, 1, 2, 3, 4 }, Records(five).Select(r => r.GetProperty("offset").GetInt64()));
        Assert.Equal(5, five["nextOffset"].GetInt64());
        var next = await Http.FetchAsync(topic, 0, 5, "&maxRecords=5");
        Assert.Equal(new long[] { 5, 6, 7, 8, 9 }, Records(next).Select(r => r.GetProperty("offset").GetInt64()));

        // A first record is always returned, however small maxBytes is; then no more than maxBytes.
        Assert.Single(Records(await Http.FetchAsync(topic, 0, 3, "&maxBytes=1")));
        var some = Records(await Http.FetchAsync(topic, 0, 0, "&maxBytes=500"));
        Assert.InRange(some.Length, 1, 5);
        Assert.Equal(20, Records(await Http.FetchAsync(topic, 0, 0)).Length);

        // Without an offset a fetch starts at 0.
        var fromStart = await Http.GetAsync($"/v1/topics/{topic}/partitions/0/records?maxRecords=1");
        Assert.Equal(0, Records(fromStart).Single().GetProperty("offset").GetInt64());

        // At the high watermark there is nothing (yet).
        var atEnd = await Http.FetchAsync(topic, 0, 20);
        Assert.Empty(Records(atEnd));
        Assert.Equal(20, atEnd["nextOffset"].GetInt64());
    }

    [Fact]
    public async Task A_long_poll_returns_as_soon_as_data_arrives()
    {
        var topic = Topics.Unique("longpoll");
        await Http.CreateTopicAsync(topic);
        var watch = Stopwatch.StartNew();
        var poll = Http.FetchAsync(topic, 0, 0, "&waitMs=20000");
        await Task.Delay(500);
        Assert.False(poll.IsCompleted, "the long poll answered before any data arrived");
        await Http.ProduceAsync(topic, new { records = new[] { new { value = "wake up" } } });
        var fetch = await poll;
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.Equal("wake up", Records(fetch).Single().GetProperty("value").GetString());
        Assert.Equal(1, fetch["nextOffset"].GetInt64());
    }

    [Fact]
    public async Task A_long_poll_without_data_answers_empty_after_the_wait()
    {
        var topic = Topics.Unique("longpoll-empty");
        await Http.CreateTopicAsync(topic);
        var watch = Stopwatch.StartNew();
        var fetch = await Http.FetchAsync(topic, 0, 0, "&waitMs=700");
        Assert.Empty(Records(fetch));
        Assert.Equal(0, fetch["nextOffset"].GetInt64());
        Assert.InRange(watch.ElapsedMilliseconds, 600, 10_000);
    }

    [Fact]
    public async Task Offsets_earliest_latest_and_by_timestamp()
    {
        var topic = Topics.Unique("offsets");
        await Http.CreateTopicAsync(topic);
        async Task<long> At(string at)
        {
            var response = await Http.GetAsync($"/v1/topics/{topic}/partitions/0/offsets?at={at}");
            Assert.Equal(200, response.Status);
            return response["offset"].GetInt64();
        }

        Assert.Equal(0, await At("earliest"));
        Assert.Equal(0, await At("latest"));
        Assert.Equal(-1, await At("0"));

        await Http.ProduceAsync(topic, new { records = new[] { new { value = "a" }, new { value = "b" } } });
        await Task.Delay(50);
        var between = NowMs;
        await Task.Delay(50);
        await Http.ProduceAsync(topic, new { records = new[] { new { value = "c" } } });

        Assert.Equal(0, await At("earliest"));
        Assert.Equal(3, await At("latest"));
        Assert.Equal(0, await At("0"));
        Assert.Equal(2, await At(between.ToString()));
        Assert.Equal(-1, await At((NowMs + 60_000).ToString()));
    }

    [Fact]
    public async Task A_request_larger_than_max_message_bytes_is_split_into_batches_and_keeps_dense_offsets()
    {
        var topic = Topics.Unique("split");
        await Http.CreateTopicAsync(topic, configs: new Dictionary<string, string> { ["max.message.bytes"] = "10000" });
        var values = Enumerable.Range(0, 100).Select(i => $"{i:D4}" + new string('v', 996)).ToArray();
        var offsets = await Http.ProduceAsync(topic, new { records = values.Select(v => new { value = v }).ToArray() });
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), offsets.Select(o => o.Offset));

        var read = new List<string>();
        long next = 0;
        while (read.Count < 100)
        {
            var fetch = await Http.FetchAsync(topic, 0, next);
            read.AddRange(Records(fetch).Select(r => r.GetProperty("value").GetString()!));
            next = fetch["nextOffset"].GetInt64();
            Assert.True(Records(fetch).Length > 0);
        }
        Assert.Equal(values, read);
    }

    [Fact]
    public async Task One_record_larger_than_max_message_bytes_is_RECORD_LIST_TOO_LARGE_and_nothing_is_written()
    {
        var topic = Topics.Unique("toolarge");
        await Http.CreateTopicAsync(topic, configs: new Dictionary<string, string> { ["max.message.bytes"] = "1000" });
        var response = await Http.ProduceAsync(topic, new { records = new[] { new { value = "small" } } });
        var refused = await Http.PostAsync($"/v1/topics/{topic}/records",
            new { records = new[] { new { value = "fits" }, new { value = new string('x', 2000) } } });
        Assert.Equal((400, "RECORD_LIST_TOO_LARGE"), (refused.Status, refused.Error));
        Assert.Equal(1, (await Http.FetchAsync(topic, 0, 0))["highWatermark"].GetInt64());
    }

    [Fact]
    public async Task An_idempotent_retry_is_written_once_and_answered_with_the_original_offsets()
    {
        var topic = Topics.Unique("idempotent");
        await Http.CreateTopicAsync(topic, partitions: 2);
        var producerId = Random.Shared.NextInt64(1_000_000, 1_000_000_000);
        var body = new { producerId, producerEpoch = 0, baseSequence = 0, records = new[] { new { partition = 1, value = "a" }, new { partition = 1, value = "b" } } };
        var first = await Http.ProduceAsync(topic, body);
        var retry = await Http.ProduceAsync(topic, body);
        Assert.Equal(first, retry);
        Assert.Equal(2, (await Http.FetchAsync(topic, 1, 0))["highWatermark"].GetInt64());

        var spread = await Http.PostAsync($"/v1/topics/{topic}/records",
            new { producerId, producerEpoch = 0, baseSequence = 2, records = new[] { new { partition = 0, value = "a" }, new { partition = 1, value = "b" } } });
        Assert.Equal((400, "INVALID_REQUEST"), (spread.Status, spread.Error));

        var transactional = await Http.PostAsync($"/v1/topics/{topic}/records",
            new { producerId, producerEpoch = 0, baseSequence = 2, transactionalId = "tx-1", records = new[] { new { partition = 1, value = "a" } } });
        Assert.Equal((400, "INVALID_REQUEST"), (transactional.Status, transactional.Error));
        Assert.Equal(2, (await Http.FetchAsync(topic, 1, 0))["highWatermark"].GetInt64());
    }
}
