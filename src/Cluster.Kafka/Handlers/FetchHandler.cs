using Cluster.Domain.Client;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Domain.Replication;
using Cluster.Kafka.Server;
using Cluster.Kafka.Protocol.Messages;
using FetchRequest = Cluster.Kafka.Protocol.Messages.FetchRequest;

namespace Cluster.Kafka.Handlers;

/// <summary>
/// Fetch (1), v4–v12, for consumers. Each partition is read at its leader through the
/// gateway; the stored RecordBatch v2 bytes are returned as they are. When nothing is there
/// and the client asked to wait (max_wait_ms, min_bytes), the partitions long-poll at their
/// leaders and the answer goes out as soon as min_bytes arrived or the time is up. Limits:
/// partition_max_bytes per partition and max_bytes per response, except that the first
/// batch of the first partition with data always goes out (so a batch larger than the
/// limits cannot stall a consumer, as in Kafka, KIP-74). Fetch sessions are declined
/// (SessionId 0): clients keep sending full fetches.
/// </summary>
public static class FetchHandler
{
    private readonly record struct Slot(string Topic, FetchPartition Partition);

    public static async ValueTask<FetchResponse> HandleAsync(BrokerGateway gateway, FetchRequest request, KafkaListenerSettings settings,
        CancellationToken cancellation)
    {
        var isolation = request.IsolationLevel == 1 ? IsolationLevel.ReadCommitted : IsolationLevel.ReadUncommitted;
        var maxBytes = request.MaxBytes <= 0 ? settings.MaxFetchBytes : Math.Min(request.MaxBytes, settings.MaxFetchBytes);
        var waitMs = Math.Clamp(request.MaxWaitMs, 0, settings.MaxFetchWaitMs);

        var slots = new List<Slot>();
        foreach (var topic in request.Topics)
            foreach (var partition in topic.Partitions)
                slots.Add(new Slot(topic.Topic, partition));

        var results = new FetchResult[slots.Count];
        var first = new Task<FetchResult>[slots.Count];
        for (var i = 0; i < slots.Count; i++) first[i] = FetchAsync(gateway, slots[i], isolation, 0, cancellation);
        for (var i = 0; i < slots.Count; i++) results[i] = await first[i].ConfigureAwait(false);

        var bytes = BytesOf(results);
        var anyError = results.Any(r => r.Error != ErrorCode.None);
        if (waitMs > 0 && !anyError && bytes < Math.Max(1, request.MinBytes) && slots.Count > 0 && request.MinBytes > 0)
            await LongPollAsync(gateway, slots, results, isolation, waitMs, request.MinBytes - bytes, cancellation).ConfigureAwait(false);

        return Build(request, slots, results, maxBytes, isolation);
    }

    /// <summary>Waits at the leaders of the partitions that had nothing, until enough bytes came or the time is up.</summary>
    private static async Task LongPollAsync(BrokerGateway gateway, List<Slot> slots, FetchResult[] results, IsolationLevel isolation,
        int waitMs, long wantedBytes, CancellationToken cancellation)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var pending = new Dictionary<Task<FetchResult>, int>();
        for (var i = 0; i < slots.Count; i++)
            if (BytesOf(results[i]) == 0)
                pending[FetchAsync(gateway, slots[i], isolation, waitMs, stop.Token)] = i;
        // The leaders answer at waitMs; the gateway's own bound is later still. Never wait much past the client's time.
        var giveUp = Task.Delay(waitMs + 1000, stop.Token);
        var received = 0L;
        try
        {
            while (pending.Count > 0 && received < wantedBytes)
            {
                var done = await Task.WhenAny(pending.Keys.Append(giveUp)).ConfigureAwait(false);
                if (done == giveUp) break;
                var task = (Task<FetchResult>)done;
                var index = pending[task];
                pending.Remove(task);
                if (!task.IsCompletedSuccessfully) continue;
                var result = task.Result;
                // A partition that moved or failed meanwhile keeps its first answer unless the
                // error is news the client needs (e.g. the offset fell out of range).
                if (result.Error != ErrorCode.None && result.Error is ErrorCode.RequestTimedOut or ErrorCode.LeaderNotAvailable) continue;
                results[index] = result;
                received += BytesOf(result);
                if (result.Error != ErrorCode.None) break;
            }
        }
        finally
        {
            stop.Cancel();
            foreach (var task in pending.Keys) _ = task.ContinueWith(static t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        }
    }

    /// <summary>
    /// How long one partition may keep a fetch waiting beyond its long poll. The gateway would
    /// follow a dead leader for its whole request timeout; a consumer is better served by
    /// LEADER_NOT_AVAILABLE at once (it refreshes metadata and fetches its other partitions meanwhile).
    /// </summary>
    private static readonly TimeSpan LeaderGrace = TimeSpan.FromSeconds(3);

    private static async Task<FetchResult> FetchAsync(BrokerGateway gateway, Slot slot, IsolationLevel isolation, int waitMs,
        CancellationToken cancellation)
    {
        var maxBytes = slot.Partition.PartitionMaxBytes <= 0 ? 1 : slot.Partition.PartitionMaxBytes;
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        bounded.CancelAfter(TimeSpan.FromMilliseconds(waitMs) + LeaderGrace);
        try
        {
            return await gateway.FetchAsync(slot.Topic, slot.Partition.Partition, slot.Partition.FetchOffset, maxBytes, isolation, waitMs,
                bounded.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return FetchResult.Failed(ErrorCode.LeaderNotAvailable, $"The leader of {slot.Topic}-{slot.Partition.Partition} did not answer in time");
        }
        catch (OperationCanceledException)
        {
            return FetchResult.Failed(ErrorCode.RequestTimedOut, "cancelled");
        }
    }

    private static long BytesOf(FetchResult result)
    {
        long sum = 0;
        if (result.Error == ErrorCode.None)
            foreach (var b in result.Batches) sum += b.Length;
        return sum;
    }

    private static long BytesOf(FetchResult[] results) => results.Sum(BytesOf);

    /// <summary>Lays the results out in request order within the byte limits.</summary>
    internal static FetchResponse Build(FetchRequest request, IReadOnlyList<(string Topic, FetchPartition Partition)> slots,
        IReadOnlyList<FetchResult> results, int maxBytes, IsolationLevel isolation) =>
        Build(request, slots.Select(s => new Slot(s.Topic, s.Partition)).ToList(), results.ToArray(), maxBytes, isolation);

    private static FetchResponse Build(FetchRequest request, List<Slot> slots, FetchResult[] results, int maxBytes, IsolationLevel isolation)
    {
        var response = new FetchResponse { ErrorCode = ErrorCode.None, SessionId = 0 };
        FetchableTopicResponse? current = null;
        long budget = maxBytes;
        var anyReturned = false;
        for (var i = 0; i < slots.Count; i++)
        {
            var (topic, partition) = slots[i];
            if (current is null || current.Topic != topic)
            {
                current = new FetchableTopicResponse { Topic = topic };
                response.Responses.Add(current);
            }
            var result = results[i];
            var data = new PartitionData
            {
                PartitionIndex = partition.Partition,
                ErrorCode = result.Error,
                HighWatermark = result.HighWatermark,
                LastStableOffset = result.LastStableOffset,
                LogStartOffset = result.LogStartOffset,
            };
            current.Partitions.Add(data);
            if (result.Error != ErrorCode.None) continue;

            if (isolation == IsolationLevel.ReadCommitted)
                data.AbortedTransactions = result.AbortedTransactions
                    .Select(a => new AbortedTransaction { ProducerId = a.ProducerId, FirstOffset = a.FirstOffset })
                    .ToList();

            var partitionBudget = (long)Math.Max(0, partition.PartitionMaxBytes);
            var chosen = new List<byte[]>();
            long size = 0;
            foreach (var batch in result.Batches)
            {
                var fits = size + batch.Length <= partitionBudget && batch.Length <= budget;
                var forProgress = !anyReturned && chosen.Count == 0;
                if (!fits && !forProgress) break;
                chosen.Add(batch);
                size += batch.Length;
                budget -= batch.Length;
                anyReturned = true;
            }
            data.Records = Concat(chosen, size);
        }
        return response;
    }

    private static ReadOnlyMemory<byte> Concat(List<byte[]> batches, long size)
    {
        if (batches.Count == 0) return ReadOnlyMemory<byte>.Empty;
        if (batches.Count == 1) return batches[0];
        var all = new byte[size];
        var at = 0;
        foreach (var b in batches)
        {
            b.CopyTo(all, at);
            at += b.Length;
        }
        return all;
    }
}
