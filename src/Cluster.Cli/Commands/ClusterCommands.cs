using System.CommandLine;
using Cluster.Cli.Http;
using Cluster.Cli.Model;
using Cluster.Cli.Output;

namespace Cluster.Cli.Commands;

/// <summary>
/// <c>cluster describe</c>: brokers and their status, the controller, and the partitions that
/// need attention, computed from GET /v1/cluster and every topic's description (internal ones
/// included): under-replicated (ISR smaller than the replicas) and offline (no leader).
/// </summary>
public static class ClusterCommands
{
    public sealed record PartitionProblem(string Topic, int Partition, int Leader, IReadOnlyList<int> Replicas, IReadOnlyList<int> Isr);

    public sealed record ClusterReport(
        string ClusterId,
        int Controller,
        IReadOnlyList<BrokerInfo> Brokers,
        int Topics,
        int Partitions,
        IReadOnlyList<PartitionProblem> UnderReplicatedPartitions,
        IReadOnlyList<PartitionProblem> OfflinePartitions);

    public static Command Build(Func<ParseResult, CommandContext> context)
    {
        var cluster = new Command("cluster", "Show the cluster's state");
        var describe = new Command("describe", "Brokers, controller, under-replicated and offline partitions");
        describe.SetAction(context, async (_, ctx, cancellation) =>
        {
            var info = await ctx.Client.GetAsync<ClusterInfo>("/v1/cluster", cancellation);
            var names = (await ctx.Client.GetAsync<TopicList>("/v1/topics?internal=true", cancellation)).Topics ?? [];
            var topics = new List<TopicInfo>();
            foreach (var name in names.Order(StringComparer.Ordinal))
            {
                try
                {
                    topics.Add(await ctx.Client.GetAsync<TopicInfo>(ApiPaths.Topic(name), cancellation));
                }
                catch (ClusterApiException e) when (e.Error == "UNKNOWN_TOPIC_OR_PARTITION")
                {
                    // Deleted between the list and the describe.
                }
            }
            var report = Summarize(info, topics);
            if (ctx.Json) JsonOutput.Write(ctx.Out, report);
            else Write(ctx.Out, report);
            return ExitCodes.Ok;
        });
        cluster.Add(describe);
        return cluster;
    }

    public static ClusterReport Summarize(ClusterInfo cluster, IEnumerable<TopicInfo> topics)
    {
        var all = topics.ToList();
        var partitions = all.SelectMany(t => t.Partitions.Select(p => (Topic: t.Name, P: p)))
            .OrderBy(x => x.Topic, StringComparer.Ordinal).ThenBy(x => x.P.Partition).ToList();
        PartitionProblem Problem((string Topic, PartitionInfo P) x) => new(x.Topic, x.P.Partition, x.P.Leader, x.P.Replicas, x.P.Isr);
        return new ClusterReport(
            cluster.ClusterId,
            cluster.Controller,
            (cluster.Brokers ?? []).OrderBy(b => b.Id).ToList(),
            all.Count,
            partitions.Count,
            partitions.Where(x => x.P.IsUnderReplicated).Select(Problem).ToList(),
            partitions.Where(x => x.P.IsOffline).Select(Problem).ToList());
    }

    private static void Write(TextWriter writer, ClusterReport report)
    {
        writer.WriteLine($"CLUSTER-ID  {report.ClusterId}");
        writer.WriteLine($"CONTROLLER  {(report.Controller < 0 ? "none" : report.Controller)}");
        writer.WriteLine($"TOPICS      {report.Topics} (partitions: {report.Partitions})");
        writer.WriteLine();
        writer.WriteLine("BROKERS");
        var brokers = new TextTable("ID", "HOST", "PORT", "HTTP-PORT", "STATUS", "CONTROLLER");
        foreach (var b in report.Brokers) brokers.Add(b.Id, b.Host, b.Port, b.HttpPort, b.Status, b.Id == report.Controller ? "yes" : "");
        brokers.WriteTo(writer);
        WriteProblems(writer, "UNDER-REPLICATED PARTITIONS", report.UnderReplicatedPartitions);
        WriteProblems(writer, "OFFLINE PARTITIONS", report.OfflinePartitions);
    }

    private static void WriteProblems(TextWriter writer, string title, IReadOnlyList<PartitionProblem> problems)
    {
        writer.WriteLine();
        writer.WriteLine($"{title} ({problems.Count})");
        if (problems.Count == 0) return;
        var table = new TextTable("TOPIC", "PARTITION", "LEADER", "REPLICAS", "ISR", "MISSING-FROM-ISR");
        foreach (var p in problems) table.Add(p.Topic, p.Partition, p.Leader, p.Replicas, p.Isr, p.Replicas.Except(p.Isr).ToList());
        table.WriteTo(writer);
    }
}
