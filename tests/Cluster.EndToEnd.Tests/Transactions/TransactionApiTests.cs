using Cluster.EndToEnd.Tests.Infrastructure;

namespace Cluster.EndToEnd.Tests.Transactions;

/// <summary>
/// Contract section "Producers and transactions" against a real node: producer ids and epochs,
/// fencing, records and offsets that count only when committed, INVALID_TXN_STATE, retries,
/// timeouts, and read_committed.
/// </summary>
[Collection(SingleNodeCollection.Name)]
public sealed class TransactionApiTests(SingleNodeFixture fixture)
{
    private HttpJson Http => fixture.Http;

    private static void AssertError(JsonResponse response, int status, string error)
    {
        Assert.True(status == response.Status && error == response.Error, $"expected {status} {error}, got {response}");
    }

    private static void AssertOk(JsonResponse response) => Assert.True(response.Status == 200, response.ToString());

    private async Task<string> TopicAsync(string prefix, int partitions = 2)
    {
        var topic = Topics.Unique(prefix);
        await Http.CreateTopicAsync(topic, partitions);
        return topic;
    }

    private async Task<HttpTransactionalProducer> ProducerAsync(string prefix, int timeoutMs = 60_000)
    {
        var producer = new HttpTransactionalProducer(Http, Topics.Unique(prefix), timeoutMs);
        AssertOk(await producer.InitAsync());
        return producer;
    }

    [Fact]
    public async Task Idempotent_producers_get_new_ids_at_epoch_0_and_transactional_ids_keep_theirs_with_a_new_epoch()
    {
        var ids = new HashSet<long>();
        foreach (var body in new[] { """{"transactionalId":null}""", "{}", "" })
        {
            var response = await Http.PostAsync("/v1/producers", body);
            AssertOk(response);
            Assert.True(ids.Add(response["producerId"].GetInt64()));
            Assert.Equal(0, response["producerEpoch"].GetInt32());
        }

        var producer = await ProducerAsync("ids");
        Assert.DoesNotContain(producer.ProducerId, ids);
        Assert.Equal(0, producer.ProducerEpoch);
        var first = producer.ProducerId;
        AssertOk(await producer.InitAsync());
        Assert.Equal((first, (short)1), (producer.ProducerId, producer.ProducerEpoch));

        var described = await Http.GetAsync($"/v1/transactions/{producer.TransactionalId}");
        AssertOk(described);
        Assert.Equal("Empty", described["state"].GetString());
        Assert.Equal(1, described["coordinator"].GetInt32());
        AssertError(await Http.GetAsync($"/v1/transactions/{Topics.Unique("never")}"), 404, "TRANSACTIONAL_ID_NOT_FOUND");
    }

    [Fact]
    public async Task Records_of_a_transaction_across_topics_appear_together_when_it_commits_and_never_when_it_aborts()
    {
        var orders = await TopicAsync("orders");
        var audit = await TopicAsync("audit", 1);
        var producer = await ProducerAsync("multi");

        AssertOk(await producer.ProduceAsync(orders, 0, new[] { "o1", "o2" }));
        AssertOk(await producer.ProduceAsync(orders, 1, new[] { "o3" }));
        AssertOk(await producer.ProduceAsync(audit, 0, new[] { "a1" }));
        // read_uncommitted sees the open transaction, read_committed does not (the last stable offset holds it back).
        Assert.Equal(2, (await Http.FetchAsync(orders, 0, 0))["records"].GetArrayLength());
        Assert.Empty(await HttpTransactionalProducer.ReadCommittedAsync(Http, orders, 0));
        Assert.Equal(0, HttpTransactionalProducer.LastStableOffset(await Http.GetAsync($"/v1/topics/{orders}"), 0));

        AssertOk(await producer.CommitAsync());
        Assert.Equal(new[] { "o1", "o2" }, await HttpTransactionalProducer.ReadCommittedAsync(Http, orders, 0));
        Assert.Equal(new[] { "o3" }, await HttpTransactionalProducer.ReadCommittedAsync(Http, orders, 1));
        Assert.Equal(new[] { "a1" }, await HttpTransactionalProducer.ReadCommittedAsync(Http, audit, 0));
        // The marker takes an offset, and is never returned as a record.
        var partition = HttpTransactionalProducer.Partition(await Http.GetAsync($"/v1/topics/{orders}"), 0);
        Assert.Equal(3, partition.GetProperty("highWatermark").GetInt64());
        Assert.Equal(3, partition.GetProperty("lastStableOffset").GetInt64());

        // The next produce begins the next transaction; this one aborts.
        AssertOk(await producer.ProduceAsync(orders, 0, new[] { "x1" }));
        AssertOk(await producer.ProduceAsync(audit, 0, new[] { "x2" }));
        AssertOk(await producer.AbortAsync());
        AssertOk(await producer.ProduceAsync(orders, 0, new[] { "o4" }));
        AssertOk(await producer.CommitAsync());
        Assert.Equal(new[] { "o1", "o2", "o4" }, await HttpTransactionalProducer.ReadCommittedAsync(Http, orders, 0));
        Assert.Equal(new[] { "a1" }, await HttpTransactionalProducer.ReadCommittedAsync(Http, audit, 0));
        // read_uncommitted still returns the aborted records, as Kafka does.
        var uncommitted = (await Http.FetchAsync(orders, 0, 0))["records"].EnumerateArray().Select(r => r.GetProperty("value").GetString()).ToList();
        Assert.Equal(new[] { "o1", "o2", "x1", "o4" }, uncommitted);
    }

    [Fact]
    public async Task Commit_and_abort_answer_INVALID_TXN_STATE_without_a_transaction_and_a_retried_commit_succeeds()
    {
        var topic = await TopicAsync("state");
        var producer = await ProducerAsync("state");
        AssertError(await producer.CommitAsync(), 409, "INVALID_TXN_STATE");
        AssertError(await producer.AbortAsync(), 409, "INVALID_TXN_STATE");

        AssertOk(await producer.ProduceAsync(topic, 0, new[] { "v" }));
        AssertOk(await producer.CommitAsync());
        // A client that lost the answer asks again: same outcome, 200 (Kafka's rule).
        AssertOk(await producer.CommitAsync());
        AssertError(await producer.AbortAsync(), 409, "INVALID_TXN_STATE");
        Assert.Equal(new[] { "v" }, await HttpTransactionalProducer.ReadCommittedAsync(Http, topic, 0));
    }

    [Fact]
    public async Task A_new_epoch_aborts_the_open_transaction_and_fences_the_old_producer()
    {
        var topic = await TopicAsync("fence");
        var old = await ProducerAsync("fence");
        AssertOk(await old.ProduceAsync(topic, 0, new[] { "zombie-1" }));

        var fresh = new HttpTransactionalProducer(Http, old.TransactionalId);
        AssertOk(await fresh.InitAsync());
        Assert.Equal(old.ProducerId, fresh.ProducerId);
        Assert.Equal(old.ProducerEpoch + 1, fresh.ProducerEpoch);
        // The zombie's transaction was aborted (its marker written) before the new epoch was handed out.
        Assert.Equal(2, HttpTransactionalProducer.LastStableOffset(await Http.GetAsync($"/v1/topics/{topic}"), 0));
        Assert.Empty(await HttpTransactionalProducer.ReadCommittedAsync(Http, topic, 0));

        AssertError(await old.ProduceAsync(topic, 0, new[] { "zombie-2" }), 409, "PRODUCER_FENCED");
        AssertError(await old.CommitAsync(), 409, "PRODUCER_FENCED");
        AssertError(await old.AbortAsync(), 409, "PRODUCER_FENCED");
        AssertError(await old.SendOffsetsAsync("g", new[] { (topic, 0, 1L) }), 409, "PRODUCER_FENCED");

        AssertOk(await fresh.ProduceAsync(topic, 0, new[] { "real" }));
        AssertOk(await fresh.CommitAsync());
        Assert.Equal(new[] { "real" }, await HttpTransactionalProducer.ReadCommittedAsync(Http, topic, 0));
    }

    [Fact]
    public async Task Offsets_sent_to_a_transaction_count_only_when_it_commits()
    {
        var input = await TopicAsync("in");
        var output = await TopicAsync("out");
        var group = Topics.Unique("g");
        var producer = await ProducerAsync("offsets");

        async Task<Dictionary<int, long>> CommittedAsync()
        {
            var response = await Http.GetAsync($"/v1/groups/{group}/offsets?topic={input}");
            AssertOk(response);
            return response["offsets"].EnumerateArray().ToDictionary(o => o.GetProperty("partition").GetInt32(), o => o.GetProperty("offset").GetInt64());
        }

        AssertOk(await producer.ProduceAsync(output, 0, new[] { "t1" }));
        AssertOk(await producer.SendOffsetsAsync(group, new[] { (input, 0, 10L), (input, 1, 20L) }));
        Assert.Empty(await CommittedAsync());
        Assert.Empty((await Http.GetAsync($"/v1/groups/{group}"))["offsets"].EnumerateArray());
        AssertOk(await producer.CommitAsync());
        Assert.Equal(new Dictionary<int, long> { [0] = 10, [1] = 20 }, await CommittedAsync());

        // Offsets alone begin a transaction too; aborted, they are dropped.
        AssertOk(await producer.SendOffsetsAsync(group, new[] { (input, 0, 99L) }));
        AssertOk(await producer.AbortAsync());
        Assert.Equal(new Dictionary<int, long> { [0] = 10, [1] = 20 }, await CommittedAsync());

        // A bad offset is refused (the group's own rules), and unknown partitions too.
        AssertError(await producer.SendOffsetsAsync(group, new[] { (input, 9, 1L) }), 404, "UNKNOWN_TOPIC_OR_PARTITION");
        AssertError(await Http.PostAsync($"/v1/transactions/{producer.TransactionalId}/offsets",
            new { producerId = producer.ProducerId, producerEpoch = producer.ProducerEpoch, offsets = Array.Empty<object>() }), 400, "INVALID_REQUEST");
    }

    [Fact]
    public async Task A_transaction_open_past_its_timeout_is_aborted_and_its_producer_fenced()
    {
        var topic = await TopicAsync("timeout");
        var producer = await ProducerAsync("timeout", timeoutMs: 1500);
        AssertOk(await producer.ProduceAsync(topic, 0, new[] { "late" }));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (HttpTransactionalProducer.LastStableOffset(await Http.GetAsync($"/v1/topics/{topic}"), 0) < 2 && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        Assert.Equal("CompleteAbort", (await Http.GetAsync($"/v1/transactions/{producer.TransactionalId}"))["state"].GetString());
        Assert.Empty(await HttpTransactionalProducer.ReadCommittedAsync(Http, topic, 0));

        // Too late to commit; the producer's abort, racing the timeout, is what happened: 200.
        AssertError(await producer.CommitAsync(), 409, "PRODUCER_FENCED");
        AssertOk(await producer.AbortAsync());
        AssertError(await producer.ProduceAsync(topic, 0, new[] { "later" }), 409, "PRODUCER_FENCED");
        AssertOk(await producer.InitAsync());
        AssertOk(await producer.ProduceAsync(topic, 0, new[] { "again" }));
        AssertOk(await producer.CommitAsync());
        Assert.Equal(new[] { "again" }, await HttpTransactionalProducer.ReadCommittedAsync(Http, topic, 0));
    }

    [Fact]
    public async Task A_produce_retried_after_the_commit_is_a_duplicate_and_does_not_reopen_the_partition()
    {
        var topic = await TopicAsync("late");
        var producer = await ProducerAsync("late");
        var first = await producer.ProduceAsync(topic, 0, new[] { "a", "b" });
        AssertOk(first);
        AssertOk(await producer.CommitAsync());

        // The same request again (sequence 0), as a client whose answer was lost would send it:
        // answered with the original offsets, nothing written, the partition stays stable.
        var retry = await producer.ProduceAsync(topic, 0, new[] { "a", "b" }, sequence: 0);
        AssertOk(retry);
        Assert.Equal(first["offsets"].ToString(), retry["offsets"].ToString());
        var partition = HttpTransactionalProducer.Partition(await Http.GetAsync($"/v1/topics/{topic}"), 0);
        Assert.Equal(partition.GetProperty("highWatermark").GetInt64(), partition.GetProperty("lastStableOffset").GetInt64());
        // The producer goes on with the next sequence in its next transaction.
        AssertOk(await producer.ProduceAsync(topic, 0, new[] { "c" }));
        AssertOk(await producer.CommitAsync());
        Assert.Equal(new[] { "a", "b", "c" }, await HttpTransactionalProducer.ReadCommittedAsync(Http, topic, 0));
    }

    [Fact]
    public async Task Bad_requests_are_400_and_foreign_producer_ids_are_refused()
    {
        var topic = await TopicAsync("bad");
        var producer = await ProducerAsync("bad");
        AssertError(await Http.PostAsync("/v1/producers", """{"transactionalId":"x","transactionTimeoutMs":0}"""), 400, "INVALID_REQUEST");
        AssertError(await Http.PostAsync("/v1/producers", """{"transactionalId":"x","transactionTimeoutMs":"soon"}"""), 400, "INVALID_REQUEST");
        AssertError(await Http.PostAsync("/v1/producers", """{"transactionalId":""}"""), 400, "INVALID_REQUEST");
        AssertError(await Http.PostAsync("/v1/producers", "[1]"), 400, "INVALID_REQUEST");
        AssertError(await Http.PostAsync($"/v1/transactions/{producer.TransactionalId}/commit", "{}"), 400, "INVALID_REQUEST");
        AssertError(await Http.PostAsync($"/v1/transactions/{producer.TransactionalId}/commit", """{"producerId":"7","producerEpoch":0}"""),
            400, "INVALID_REQUEST");
        AssertError(await Http.PostAsync($"/v1/transactions/{producer.TransactionalId}/commit", "{not json"), 400, "INVALID_REQUEST");
        AssertError(await Http.GetAsync($"/v1/transactions/{producer.TransactionalId}/commit"), 405, "INVALID_REQUEST");

        // A producer id that is not the transactional id's, or an id never initialised.
        var stranger = new { acks = "all", transactionalId = producer.TransactionalId, producerId = producer.ProducerId + 1000, producerEpoch = 0,
            baseSequence = 0, records = new[] { new { value = "v", partition = 0 } } };
        AssertError(await Http.PostAsync($"/v1/topics/{topic}/records", stranger), 400, "INVALID_REQUEST");
        AssertError(await Http.PostAsync($"/v1/transactions/{Topics.Unique("nobody")}/commit", new { producerId = 1, producerEpoch = 0 }),
            400, "INVALID_REQUEST");
        // Unacknowledged transactional writes could land after the markers.
        var unacknowledged = new { acks = "0", transactionalId = producer.TransactionalId, producerId = producer.ProducerId,
            producerEpoch = producer.ProducerEpoch, baseSequence = 0, records = new[] { new { value = "v", partition = 0 } } };
        AssertError(await Http.PostAsync($"/v1/topics/{topic}/records", unacknowledged), 400, "INVALID_REQUEST");
        // Nothing of it was written.
        Assert.Equal(0, HttpTransactionalProducer.Partition(await Http.GetAsync($"/v1/topics/{topic}"), 0).GetProperty("highWatermark").GetInt64());
    }
}
