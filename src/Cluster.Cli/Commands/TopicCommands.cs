using System.CommandLine;
using Cluster.Cli.Http;
using Cluster.Cli.Model;
using Cluster.Cli.Output;

namespace Cluster.Cli.Commands;

/// <summary><c>topics create|list|describe|alter|delete</c>, as kafka-topics does them.</summary>
public static class TopicCommands
{
    public static Command Build(Func<ParseResult, CommandContext> context)
    {
        var topics = new Command("topics", "Create, list, describe, alter and delete topics");
        topics.Add(Create(context));
        topics.Add(List(context));
        topics.Add(Describe(context));
        topics.Add(Alter(context));
        topics.Add(Delete(context));
        return topics;
    }

    private static Argument<string> NameArgument() => new("name") { Description = "the topic's name" };

    private static Command Create(Func<ParseResult, CommandContext> context)
    {
        var name = NameArgument();
        var partitions = new Option<int>("--partitions", "-p") { Description = "number of partitions", DefaultValueFactory = _ => 1 };
        var replicationFactor = new Option<int>("--replication-factor", "-r") { Description = "replicas of each partition", DefaultValueFactory = _ => 1 };
        var configs = CommandLine.ConfigOption("a topic config, e.g. retention.ms=60000 (repeatable)");
        var command = new Command("create", "Create a topic") { name, partitions, replicationFactor, configs };
        command.SetAction(context, async (parsed, ctx, cancellation) =>
        {
            var request = new CreateTopicRequest(parsed.GetValue(name)!, parsed.GetValue(partitions), parsed.GetValue(replicationFactor),
                CommandLine.ParseConfigs(parsed.GetValue(configs)));
            var topic = await ctx.Client.PostAsync<TopicInfo>("/v1/topics", request, cancellation);
            if (ctx.Json)
            {
                JsonOutput.Write(ctx.Out, topic);
                return ExitCodes.Ok;
            }
            await ctx.Out.WriteLineAsync($"Created topic '{topic.Name}' with {topic.Partitions.Count} partition(s), replication factor {topic.ReplicationFactor}.");
            await ctx.Out.WriteLineAsync();
            WritePartitions(ctx.Out, topic);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(Func<ParseResult, CommandContext> context)
    {
        var includeInternal = new Option<bool>("--internal") { Description = "also list internal topics (__consumer_offsets, ...)" };
        var command = new Command("list", "List topic names") { includeInternal };
        command.SetAction(context, async (parsed, ctx, cancellation) =>
        {
            var list = await ctx.Client.GetAsync<TopicList>(parsed.GetValue(includeInternal) ? "/v1/topics?internal=true" : "/v1/topics", cancellation);
            var names = (list.Topics ?? []).Order(StringComparer.Ordinal).ToList();
            if (ctx.Json) JsonOutput.Write(ctx.Out, new TopicList(names));
            else
                foreach (var topic in names) await ctx.Out.WriteLineAsync(topic);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Describe(Func<ParseResult, CommandContext> context)
    {
        var name = NameArgument();
        var command = new Command("describe", "Show a topic's configs and each partition's leader, replicas, ISR and offsets") { name };
        command.SetAction(context, async (parsed, ctx, cancellation) =>
        {
            var topic = await ctx.Client.GetAsync<TopicInfo>(ApiPaths.Topic(parsed.GetValue(name)!), cancellation);
            if (ctx.Json)
            {
                JsonOutput.Write(ctx.Out, topic);
                return ExitCodes.Ok;
            }
            WriteDescription(ctx.Out, topic);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Alter(Func<ParseResult, CommandContext> context)
    {
        var name = NameArgument();
        var configs = CommandLine.ConfigOption("a config to set, e.g. retention.ms=60000 (repeatable); the others keep their values");
        var command = new Command("alter", "Change a topic's configs") { name, configs };
        command.SetAction(context, async (parsed, ctx, cancellation) =>
        {
            var changes = CommandLine.ParseConfigs(parsed.GetValue(configs));
            if (changes.Count == 0) throw new UsageException("topics alter needs at least one --config key=value");
            var topicName = parsed.GetValue(name)!;
            var answer = await ctx.Client.PutAsync<TopicConfigs>($"{ApiPaths.Topic(topicName)}/configs", changes, cancellation);
            var all = new SortedDictionary<string, string>((answer.Configs ?? new Dictionary<string, string>()).ToDictionary(), StringComparer.Ordinal);
            if (ctx.Json)
            {
                JsonOutput.Write(ctx.Out, new { name = topicName, configs = all });
                return ExitCodes.Ok;
            }
            await ctx.Out.WriteLineAsync($"Altered topic '{topicName}': {string.Join(", ", changes.Select(c => $"{c.Key}={c.Value}"))}.");
            await ctx.Out.WriteLineAsync();
            WriteConfigs(ctx.Out, all);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Delete(Func<ParseResult, CommandContext> context)
    {
        var name = NameArgument();
        var command = new Command("delete", "Delete a topic and its data") { name };
        command.SetAction(context, async (parsed, ctx, cancellation) =>
        {
            var topicName = parsed.GetValue(name)!;
            await ctx.Client.DeleteAsync(ApiPaths.Topic(topicName), cancellation);
            if (ctx.Json) JsonOutput.Write(ctx.Out, new { deleted = topicName });
            else await ctx.Out.WriteLineAsync($"Deleted topic '{topicName}'.");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static void WriteDescription(TextWriter writer, TopicInfo topic)
    {
        var underReplicated = topic.Partitions.Count(p => p.IsUnderReplicated);
        var offline = topic.Partitions.Count(p => p.IsOffline);
        writer.WriteLine($"NAME                {topic.Name}");
        writer.WriteLine($"PARTITIONS          {topic.Partitions.Count}");
        writer.WriteLine($"REPLICATION-FACTOR  {topic.ReplicationFactor}");
        writer.WriteLine($"UNDER-REPLICATED    {underReplicated}");
        writer.WriteLine($"OFFLINE             {offline}");
        writer.WriteLine();
        WriteConfigs(writer, topic.Configs ?? new Dictionary<string, string>());
        writer.WriteLine();
        WritePartitions(writer, topic);
    }

    public static void WritePartitions(TextWriter writer, TopicInfo topic)
    {
        var table = new TextTable("PARTITION", "LEADER", "EPOCH", "REPLICAS", "ISR", "LOG-START", "HIGH-WATERMARK", "LOG-END", "STATE");
        foreach (var p in topic.Partitions.OrderBy(p => p.Partition))
            table.Add(p.Partition, p.Leader, p.LeaderEpoch, p.Replicas, p.Isr, Offset(p.LogStartOffset), Offset(p.HighWatermark),
                Offset(p.LogEndOffset), PartitionState(p));
        table.WriteTo(writer);
    }

    /// <summary>-1 from the server means the leader did not answer: shown as "?".</summary>
    private static string Offset(long offset) => offset < 0 ? "?" : offset.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string PartitionState(PartitionInfo p)
    {
        if (p.IsOffline) return "offline";
        if (!p.IsUnderReplicated) return "ok";
        var lagging = p.Replicas.Except(p.Isr).ToList();
        return $"under-replicated (lagging: {string.Join(",", lagging)})";
    }

    private static void WriteConfigs(TextWriter writer, IReadOnlyDictionary<string, string> configs)
    {
        var table = new TextTable("CONFIG", "VALUE");
        foreach (var (key, value) in configs.OrderBy(c => c.Key, StringComparer.Ordinal))
            table.Add(key, value);
        table.WriteTo(writer);
    }
}
