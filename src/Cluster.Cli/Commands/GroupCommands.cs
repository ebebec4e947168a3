using System.CommandLine;
using System.Text.Json;
using Cluster.Cli.Consume;
using Cluster.Cli.Http;
using Cluster.Cli.Model;
using Cluster.Cli.Output;

namespace Cluster.Cli.Commands;

/// <summary><c>groups list|describe|reset-offsets</c>, as kafka-consumer-groups does them.</summary>
public static class GroupCommands
{
    public sealed record GroupList(IReadOnlyList<string> Groups);

    public sealed record OffsetReset(string Topic, int Partition, long? PreviousOffset, long NewOffset);

    public sealed record ResetResult(string Group, string Topic, bool DryRun, IReadOnlyList<OffsetReset> Offsets);

    public static Command Build(Func<ParseResult, CommandContext> context)
    {
        var groups = new Command("groups", "List and describe consumer groups, reset their offsets");
        groups.Add(List(context));
        groups.Add(Describe(context));
        groups.Add(ResetOffsets(context));
        return groups;
    }

    private static Command List(Func<ParseResult, CommandContext> context)
    {
        var command = new Command("list", "List consumer groups (needs GET /v1/groups on the server)");
        command.SetAction(context, async (_, ctx, cancellation) =>
        {
            GroupList list;
            try
            {
                list = await ctx.Client.GetAsync<GroupList>("/v1/groups", cancellation);
            }
            catch (ClusterApiException e) when (e.Status is 404 or 405 && e.Error == "INVALID_REQUEST")
            {
                throw new CliFailure(e.Error, $"{ClusterClient.Display(e.Server)} cannot list consumer groups (it has no GET /v1/groups); use 'groups describe <group>'");
            }
            var names = (list.Groups ?? []).Order(StringComparer.Ordinal).ToList();
            if (ctx.Json) JsonOutput.Write(ctx.Out, new GroupList(names));
            else
                foreach (var name in names) await ctx.Out.WriteLineAsync(name);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Describe(Func<ParseResult, CommandContext> context)
    {
        var group = new Argument<string>("group") { Description = "the consumer group" };
        var command = new Command("describe", "Show a group's state, members, assignments, committed offsets and lag") { group };
        command.SetAction(context, async (parsed, ctx, cancellation) =>
        {
            var info = await ctx.Client.GetAsync<GroupInfo>(ApiPaths.Group(parsed.GetValue(group)!), cancellation);
            if (ctx.Json)
            {
                JsonOutput.Write(ctx.Out, info);
                return ExitCodes.Ok;
            }
            var members = info.Members ?? [];
            var offsets = info.Offsets ?? [];
            await ctx.Out.WriteLineAsync($"GROUP       {info.Group}");
            await ctx.Out.WriteLineAsync($"STATE       {info.State}");
            await ctx.Out.WriteLineAsync($"GENERATION  {info.Generation}");
            await ctx.Out.WriteLineAsync($"MEMBERS     {members.Count}");
            await ctx.Out.WriteLineAsync($"TOTAL-LAG   {offsets.Sum(o => Math.Max(0, o.Lag))}");
            await ctx.Out.WriteLineAsync();

            var owner = new Dictionary<(string, int), string>();
            foreach (var member in members)
                foreach (var tp in member.Assignment ?? [])
                    owner[(tp.Topic, tp.Partition)] = member.MemberId;

            // Committed partitions, and assigned ones with nothing committed yet, in one list.
            var rows = offsets.Select(o => (o.Topic, o.Partition, Offset: (long?)o.Offset, End: (long?)o.LogEndOffset, Lag: (long?)o.Lag)).ToList();
            rows.AddRange(owner.Keys.Where(k => !offsets.Any(o => o.Topic == k.Item1 && o.Partition == k.Item2))
                .Select(k => (Topic: k.Item1, Partition: k.Item2, Offset: (long?)null, End: (long?)null, Lag: (long?)null)));
            var table = new TextTable("TOPIC", "PARTITION", "COMMITTED-OFFSET", "LOG-END-OFFSET", "LAG", "MEMBER-ID");
            foreach (var r in rows.OrderBy(r => r.Topic, StringComparer.Ordinal).ThenBy(r => r.Partition))
                table.Add(r.Topic, r.Partition, r.Offset, r.End, r.Lag, owner.GetValueOrDefault((r.Topic, r.Partition)));
            if (table.RowCount == 0) await ctx.Out.WriteLineAsync("No committed offsets and no assigned partitions.");
            else table.WriteTo(ctx.Out);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command ResetOffsets(Func<ParseResult, CommandContext> context)
    {
        var group = new Argument<string>("group") { Description = "the consumer group" };
        var topic = new Option<string>("--topic", "-t") { Description = "the topic whose offsets to reset", Required = true };
        var to = new Option<string>("--to") { Description = "earliest, latest or an offset", Required = true };
        var partition = new Option<int?>("--partition", "-p") { Description = "only this partition (default: all)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "show the new offsets without committing them" };
        var command = new Command("reset-offsets",
            "Set a group's committed offsets of a topic to earliest, latest or an offset; only for a group without active members")
        {
            group, topic, to, partition, dryRun,
        };
        command.SetAction(context, async (parsed, ctx, cancellation) =>
        {
            var groupName = parsed.GetValue(group)!;
            var topicName = parsed.GetValue(topic)!;
            var target = CommandLine.ParsePosition(parsed.GetValue(to)!, "--to");
            var only = parsed.GetValue(partition);
            var isDryRun = parsed.GetValue(dryRun);

            // Kafka's rule: offsets of a group whose members are reading would be overwritten by their next commit.
            var info = await ctx.Client.GetAsync<GroupInfo>(ApiPaths.Group(groupName), cancellation);
            if (info.Members is { Count: > 0 } members)
                throw new CliFailure("NON_EMPTY_GROUP",
                    $"Offsets of group '{groupName}' can only be reset while it has no active members; it has {members.Count} (state {info.State})");

            var description = await ctx.Client.GetAsync<TopicInfo>(ApiPaths.Topic(topicName), cancellation);
            var partitions = description.Partitions.Select(p => p.Partition).Order().ToList();
            if (only is { } p0)
            {
                if (!partitions.Contains(p0)) throw new CliFailure("UNKNOWN_TOPIC_OR_PARTITION", $"Topic '{topicName}' has no partition {p0}");
                partitions = [p0];
            }
            var previous = (await ctx.Client.GetAsync<CommittedOffsets>($"{ApiPaths.Group(groupName)}/offsets?topic={Uri.EscapeDataString(topicName)}", cancellation))
                .Offsets?.Where(o => o.Topic == topicName).ToDictionary(o => o.Partition, o => o.Offset) ?? [];

            var resets = new List<OffsetReset>();
            foreach (var p in partitions)
            {
                var reader = new PartitionReader(ctx, topicName, p, follow: false);
                long offset;
                if (target.IsOffset)
                {
                    // As Kafka does, an offset outside the log is moved to its nearest end.
                    var earliest = await reader.OffsetAtAsync("earliest", cancellation);
                    var latest = await reader.OffsetAtAsync("latest", cancellation);
                    offset = Math.Clamp(target.Offset, earliest, Math.Max(earliest, latest));
                }
                else offset = await reader.ResolveAsync(target, cancellation);
                resets.Add(new OffsetReset(topicName, p, previous.TryGetValue(p, out var old) ? old : null, offset));
            }

            if (!isDryRun)
                await ctx.Client.PostAsync<JsonElement>($"{ApiPaths.Group(groupName)}/offsets", new
                {
                    offsets = resets.Select(r => new { topic = r.Topic, partition = r.Partition, offset = r.NewOffset, metadata = "" }).ToList(),
                    memberId = (string?)null,
                    generation = (int?)null,
                }, cancellation);

            if (ctx.Json)
            {
                JsonOutput.Write(ctx.Out, new ResetResult(groupName, topicName, isDryRun, resets));
                return ExitCodes.Ok;
            }
            var table = new TextTable("TOPIC", "PARTITION", "PREVIOUS-OFFSET", "NEW-OFFSET");
            foreach (var r in resets) table.Add(r.Topic, r.Partition, r.PreviousOffset, r.NewOffset);
            table.WriteTo(ctx.Out);
            await ctx.Out.WriteLineAsync(isDryRun
                ? "Dry run: nothing was committed."
                : $"Reset the offsets of group '{groupName}' on {resets.Count} partition(s) of '{topicName}'.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
