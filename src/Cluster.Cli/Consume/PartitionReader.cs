using Cluster.Cli.Commands;
using Cluster.Cli.Http;
using Cluster.Cli.Model;

namespace Cluster.Cli.Consume;

/// <summary>
/// Reads one partition from a position with long polling, handing each non-empty answer to
/// <c>onRecords</c> (which says how many of them it used, and so where the next read starts).
/// Without follow it stops at <c>stopAt</c> (the high watermark when reading began). Errors the
/// contract calls retriable (5xx) and unreachable servers are retried with backoff: for ever when
/// following, ten times otherwise. When the position falls out of the log (retention deleted
/// it), reading goes on from the log start, with a warning.
/// </summary>
public sealed class PartitionReader(CommandContext context, string topic, int partition, bool follow)
{
    public const int FollowWaitMs = 5000;
    private const int MaxAttempts = 10;

    public int Partition => partition;

    public long Position { get; private set; }

    /// <summary>Resolves earliest/latest with the offsets endpoint; an explicit offset is taken as is.</summary>
    public Task<long> ResolveAsync(StartPosition start, CancellationToken cancellation) =>
        start.IsOffset ? Task.FromResult(start.Offset) : OffsetAtAsync(start.Kind, cancellation);

    public async Task<long> OffsetAtAsync(string at, CancellationToken cancellation) =>
        (await WithRetriesAsync(() => context.Client.GetAsync<OffsetAnswer>($"{ApiPaths.Partition(topic, partition)}/offsets?at={at}", cancellation),
            cancellation)).Offset;

    public async Task RunAsync(long start, long? stopAt, Func<PartitionReader, IReadOnlyList<FetchedRecord>, Task<int>> onRecords,
        CancellationToken cancellation)
    {
        Position = start;
        var first = true;
        while (!cancellation.IsCancellationRequested)
        {
            // Beyond the end the first time: read anyway, so that the server says OFFSET_OUT_OF_RANGE when it is.
            if (!follow && stopAt is { } end && (Position == end || (Position > end && !first))) return;
            var waitMs = follow ? FollowWaitMs : 500;
            FetchResponse answer;
            try
            {
                answer = await WithRetriesAsync(() => context.Client.GetAsync<FetchResponse>(
                    $"{ApiPaths.Partition(topic, partition)}/records?offset={Position}&maxRecords=500&waitMs={waitMs}",
                    cancellation, TimeSpan.FromMilliseconds(waitMs)), cancellation);
            }
            catch (ClusterApiException e) when (e.Error == "OFFSET_OUT_OF_RANGE" && !first)
            {
                var earliest = await OffsetAtAsync("earliest", cancellation);
                var latest = await OffsetAtAsync("latest", cancellation);
                var next = Position < earliest ? earliest : latest;
                await context.Error.WriteLineAsync($"warning: offset {Position} of {topic}-{partition} is out of range [{earliest}, {latest}]; going on from {next}");
                Position = next;
                continue;
            }
            first = false;
            if (answer.Records is { Count: > 0 } records)
            {
                var used = await onRecords(this, records);
                if (used == 0) return;
                Position = used == records.Count ? Math.Max(answer.NextOffset, records[^1].Offset + 1) : records[used - 1].Offset + 1;
                if (used < records.Count) return;
            }
            else if (answer.NextOffset > Position)
            {
                Position = answer.NextOffset; // only transaction markers were there
            }
        }
    }

    private async Task<T> WithRetriesAsync<T>(Func<Task<T>> call, CancellationToken cancellation)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (e is ClusterApiException { IsRetriable: true } or ServerUnreachableException
                                      && (follow || attempt < MaxAttempts))
            {
                if (attempt == 1 || attempt % 10 == 0)
                    await context.Error.WriteLineAsync($"warning: reading {topic}-{partition}: {Describe(e)}; retrying");
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 * (1 << Math.Min(attempt, 5)))), cancellation);
            }
        }
    }

    private static string Describe(Exception e) => e is ClusterApiException api ? $"{api.Error}: {api.Message}" : e.Message;
}
