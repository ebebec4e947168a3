using Cluster.Cli.Commands;
using Cluster.Cli.Http;
using Cluster.Cli.Model;

namespace Cluster.Cli.Consume;

/// <summary>
/// A consumer group member over the HTTP API (contract, consumer groups): join, read the
/// assigned partitions of the topic from the group's committed offsets (or <c>resetTo</c> where
/// none is committed), commit after every answer it printed, heartbeat every third of the
/// session timeout, and join again (with its member id) when a heartbeat or commit says the
/// group rebalances. Leaves the group when it stops: Ctrl-C, the end of the data without
/// --follow, or --max-messages.
/// </summary>
public sealed class GroupConsumer(CommandContext context, string group, string topic, StartPosition resetTo, bool follow, RecordPrinter printer)
{
    public const int SessionTimeoutMs = 10_000;
    private static readonly string[] RejoinErrors = ["REBALANCE_IN_PROGRESS", "UNKNOWN_MEMBER_ID", "ILLEGAL_GENERATION"];

    private string? _memberId;

    public async Task RunAsync(CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested && !printer.Done)
            {
                var joined = await JoinAsync(stop);
                if (await RunGenerationAsync(joined, stop)) return;
            }
        }
        finally
        {
            await LeaveAsync();
        }
    }

    private async Task<JoinResponse> JoinAsync(CancellationToken stop)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var joined = await context.Client.PostAsync<JoinResponse>($"{ApiPaths.Group(group)}/members",
                    new { topics = new[] { topic }, sessionTimeoutMs = SessionTimeoutMs, memberId = _memberId },
                    stop, TimeSpan.FromMilliseconds(SessionTimeoutMs * 3));
                _memberId = joined.MemberId;
                return joined;
            }
            catch (ClusterApiException e) when (e.Error == "UNKNOWN_MEMBER_ID" && _memberId is not null)
            {
                _memberId = null; // the group forgot this member: join as a new one
            }
            catch (ClusterApiException e) when (e.Error == "REBALANCE_IN_PROGRESS" && attempt < 30 &&
                                                e.Body is { } body && body.TryGetProperty("memberId", out var id) && id.ValueKind == System.Text.Json.JsonValueKind.String)
            {
                _memberId = id.GetString(); // in the group, but the rebalance goes on: join again as this member
            }
            catch (Exception e) when (e is ClusterApiException { IsRetriable: true } or ClusterApiException { Error: "REBALANCE_IN_PROGRESS" }
                                          or ServerUnreachableException && attempt < 30)
            {
                await context.Error.WriteLineAsync($"warning: joining group '{group}': {e.Message}; retrying");
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 * attempt)), stop);
            }
        }
    }

    /// <summary>Reads one generation's assignment; true when consuming is over (not just a rebalance).</summary>
    private async Task<bool> RunGenerationAsync(JoinResponse joined, CancellationToken stop)
    {
        var partitions = (joined.Assignment ?? []).Where(a => a.Topic == topic).Select(a => a.Partition).Order().ToList();
        await context.Error.WriteLineAsync(
            $"Joined group '{group}' as {joined.MemberId} (generation {joined.Generation}); assigned partitions: [{string.Join(",", partitions)}]");

        using var session = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var heartbeat = HeartbeatAsync(joined.Generation, session);
        try
        {
            if (partitions.Count == 0)
            {
                if (!follow) return true;
                await heartbeat; // nothing to read until the next rebalance
                return stop.IsCancellationRequested;
            }

            var committed = (await context.Client.GetAsync<CommittedOffsets>(
                    $"{ApiPaths.Group(group)}/offsets?topic={Uri.EscapeDataString(topic)}", session.Token))
                .Offsets?.Where(o => o.Topic == topic).ToDictionary(o => o.Partition, o => o.Offset) ?? [];
            await Together.RunAsync(partitions, async (p, token) =>
            {
                var reader = new PartitionReader(context, topic, p, follow);
                var start = committed.TryGetValue(p, out var offset) ? offset : await reader.ResolveAsync(resetTo, token);
                long? stopAt = follow ? null : await reader.OffsetAtAsync("latest", token);
                await reader.RunAsync(start, stopAt, (r, records) => PrintAndCommitAsync(r, records, joined, session), token);
            }, session.Token);
            return !follow || printer.Done || stop.IsCancellationRequested;
        }
        catch (OperationCanceledException) when (session.IsCancellationRequested)
        {
            return stop.IsCancellationRequested; // Ctrl-C ends; a rebalance joins again
        }
        finally
        {
            await session.CancelAsync();
            await heartbeat;
        }
    }

    private async Task<int> PrintAndCommitAsync(PartitionReader reader, IReadOnlyList<FetchedRecord> records, JoinResponse joined,
        CancellationTokenSource session)
    {
        var used = printer.Print(reader.Partition, records);
        if (used == 0) return 0;
        var next = records[used - 1].Offset + 1;
        // The commit of what was printed finishes even when Ctrl-C or --max-messages just ended the session.
        using var commitTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await context.Client.PostAsync<System.Text.Json.JsonElement>($"{ApiPaths.Group(group)}/offsets", new
            {
                offsets = new[] { new { topic, partition = reader.Partition, offset = next, metadata = "" } },
                memberId = joined.MemberId,
                generation = joined.Generation,
            }, commitTimeout.Token);
        }
        catch (ClusterApiException e) when (RejoinErrors.Contains(e.Error))
        {
            await context.Error.WriteLineAsync($"Group '{group}' is rebalancing ({e.Error}); joining again");
            await session.CancelAsync();
        }
        return used;
    }

    /// <summary>Heartbeats until the session ends; cancels it when the group rebalances.</summary>
    private async Task HeartbeatAsync(int generation, CancellationTokenSource session)
    {
        var interval = TimeSpan.FromMilliseconds(SessionTimeoutMs / 3.0);
        try
        {
            while (!session.IsCancellationRequested)
            {
                await Task.Delay(interval, session.Token);
                try
                {
                    var beat = await context.Client.PostAsync<HeartbeatResponse>(
                        $"{ApiPaths.Group(group)}/members/{Uri.EscapeDataString(_memberId!)}/heartbeat", new { generation }, session.Token);
                    if (beat.Generation != generation)
                    {
                        await context.Error.WriteLineAsync($"Group '{group}' moved to generation {beat.Generation}; joining again");
                        await session.CancelAsync();
                    }
                }
                catch (ClusterApiException e) when (RejoinErrors.Contains(e.Error))
                {
                    if (e.Error == "UNKNOWN_MEMBER_ID") _memberId = null;
                    await context.Error.WriteLineAsync($"Group '{group}' is rebalancing ({e.Error}); joining again");
                    await session.CancelAsync();
                }
                catch (Exception e) when (e is ClusterApiException or ServerUnreachableException)
                {
                    await context.Error.WriteLineAsync($"warning: heartbeat to group '{group}' failed: {e.Message}");
                }
            }
        }
        catch (OperationCanceledException) when (session.IsCancellationRequested)
        {
            // The generation ended: a rebalance, the end of the data, or Ctrl-C.
        }
    }

    private async Task LeaveAsync()
    {
        if (_memberId is not { } member) return;
        _memberId = null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await context.Client.DeleteAsync($"{ApiPaths.Group(group)}/members/{Uri.EscapeDataString(member)}", timeout.Token);
            await context.Error.WriteLineAsync($"Left group '{group}'.");
        }
        catch (Exception e) when (e is ClusterApiException or ServerUnreachableException or OperationCanceledException)
        {
            await context.Error.WriteLineAsync($"warning: leaving group '{group}' failed ({e.Message}); the group drops the member after its session timeout");
        }
    }
}
