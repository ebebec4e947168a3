using System.CommandLine;
using Cluster.Cli.Http;
using Cluster.Cli.Model;
using Cluster.Cli.Output;
using Cluster.Cli.Produce;

namespace Cluster.Cli.Commands;

/// <summary>
/// <c>produce &lt;topic&gt;</c>: one record per stdin line, sent in requests of up to 500 records one
/// after the other (so that records of one partition keep their input order). Prints, per
/// partition, how many records went where.
/// </summary>
public static class ProduceCommand
{
    public sealed record PartitionSummary(int Partition, long Records, long FirstOffset, long LastOffset);

    public sealed record ProduceSummary(string Topic, string Acks, long Records, IReadOnlyList<PartitionSummary> Partitions);

    public static Command Build(Func<ParseResult, CommandContext> context)
    {
        var topic = new Argument<string>("topic") { Description = "the topic to write to" };
        var keySeparator = new Option<string?>("--key-separator", "-k")
        {
            Description = "split each line at the first occurrence into key and value (a line without it has no key)",
        };
        var acks = new Option<string>("--acks", "-a") { Description = "0, 1 or all", DefaultValueFactory = _ => "all" };
        acks.AcceptOnlyFromAmong("0", "1", "all", "-1");
        var partition = new Option<int?>("--partition", "-p") { Description = "write every record to this partition (default: by key, or spread)" };
        var batchSize = new Option<int>("--batch-size") { Description = "records per request", DefaultValueFactory = _ => LineRecords.DefaultBatchRecords };

        var command = new Command("produce", "Write stdin lines as records to a topic") { topic, keySeparator, acks, partition, batchSize };
        command.SetAction(context, async (parsed, ctx, cancellation) =>
        {
            var name = parsed.GetValue(topic)!;
            var acksValue = parsed.GetValue(acks)!;
            var records = new LineRecords(parsed.GetValue(keySeparator), parsed.GetValue(partition));
            var size = parsed.GetValue(batchSize);
            if (size < 1) throw new UsageException("--batch-size must be 1 or more");
            if (parsed.GetValue(partition) is < 0) throw new UsageException("--partition must be 0 or more");

            // Refuses an unknown topic or partition before reading any input.
            var topicInfo = await ctx.Client.GetAsync<TopicInfo>(ApiPaths.Topic(name), cancellation);
            if (parsed.GetValue(partition) is { } only && topicInfo.Partitions.All(p => p.Partition != only))
                throw new CliFailure("UNKNOWN_TOPIC_OR_PARTITION", $"Topic '{name}' has no partition {only} (it has {topicInfo.Partitions.Count})");

            var progress = new Progress(ctx.Error, ctx.Console.ErrorIsTerminal, "produced");
            var partitions = new SortedDictionary<int, PartitionSummary>();
            long sent = 0;
            try
            {
                await foreach (var batch in records.BatchesAsync(ctx.Console.In, size, LineRecords.DefaultBatchBytes, cancellation))
                {
                    var answer = await ctx.Client.PostAsync<ProduceResponse?>(ApiPaths.Records(name), new ProduceRequest(acksValue, batch), cancellation);
                    foreach (var offset in answer?.Offsets ?? [])
                        partitions[offset.Partition] = partitions.TryGetValue(offset.Partition, out var s)
                            ? s with { Records = s.Records + 1, LastOffset = Math.Max(s.LastOffset, offset.Offset), FirstOffset = Math.Min(s.FirstOffset, offset.Offset) }
                            : new PartitionSummary(offset.Partition, 1, offset.Offset, offset.Offset);
                    sent += batch.Count;
                    progress.Report(sent);
                }
            }
            catch (Exception e) when (e is ClusterApiException or ServerUnreachableException && sent > 0)
            {
                await ctx.Error.WriteLineAsync($"{sent} records were written before the failure below; the rest of the input was not sent.");
                throw;
            }

            var summary = progress.Finish(sent);
            var result = new ProduceSummary(name, acksValue, sent, partitions.Values.ToList());
            if (ctx.Json)
            {
                JsonOutput.Write(ctx.Out, result);
                return ExitCodes.Ok;
            }
            await ctx.Error.WriteLineAsync($"Produced {summary} to '{name}' with acks={acksValue}.");
            if (partitions.Count > 0)
            {
                var table = new TextTable("PARTITION", "RECORDS", "FIRST-OFFSET", "LAST-OFFSET");
                foreach (var p in partitions.Values) table.Add(p.Partition, p.Records, p.FirstOffset, p.LastOffset);
                table.WriteTo(ctx.Out);
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
