using System.CommandLine;
using Cluster.Cli.Consume;
using Cluster.Cli.Http;
using Cluster.Cli.Model;

namespace Cluster.Cli.Commands;

/// <summary>
/// <c>consume &lt;topic&gt;</c>: without a group, reads the given partition or all of them from
/// earliest, latest or an offset, up to the high watermark (or for ever with --follow); with
/// --group, as a member of that consumer group. Ctrl-C stops cleanly (a member leaves its group).
/// </summary>
public static class ConsumeCommand
{
    public static Command Build(Func<ParseResult, CommandContext> context)
    {
        var topic = new Argument<string>("topic") { Description = "the topic to read" };
        var partition = new Option<int?>("--partition", "-p") { Description = "read only this partition (default: all)" };
        var from = new Option<string>("--from", "-f")
        {
            Description = "earliest, latest or an offset (an offset needs --partition); with --group, where partitions without a committed offset start",
            DefaultValueFactory = _ => "earliest",
        };
        var follow = new Option<bool>("--follow", "-F") { Description = "keep waiting for new records until Ctrl-C" };
        var group = new Option<string?>("--group", "-g") { Description = "consume as a member of this consumer group, committing offsets" };
        var maxMessages = new Option<long?>("--max-messages", "-n") { Description = "stop after this many records" };
        var printKey = new Option<bool>("--print-key") { Description = "print key<separator>value instead of the value alone" };
        var keySeparator = new Option<string>("--key-separator") { Description = "separator for --print-key", DefaultValueFactory = _ => "\t" };

        var command = new Command("consume", "Read records of a topic to stdout")
        {
            topic, partition, from, follow, group, maxMessages, printKey, keySeparator,
        };
        command.SetAction(context, async (parsed, ctx, cancellation) =>
        {
            var name = parsed.GetValue(topic)!;
            var onlyPartition = parsed.GetValue(partition);
            var start = CommandLine.ParsePosition(parsed.GetValue(from)!, "--from");
            var groupName = parsed.GetValue(group);
            var max = parsed.GetValue(maxMessages);
            if (max is < 1) throw new UsageException("--max-messages must be 1 or more");
            if (onlyPartition is < 0) throw new UsageException("--partition must be 0 or more");
            if (groupName is not null && onlyPartition is not null)
                throw new UsageException("--partition cannot be used with --group: the group assigns the partitions");
            if (start.IsOffset && onlyPartition is null && groupName is null)
                throw new UsageException("--from with an offset needs --partition (offsets are per partition)");

            var printer = new RecordPrinter(ctx, name, parsed.GetValue(printKey), parsed.GetValue(keySeparator)!, max);
            using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            var stopWhenDone = max is null ? Task.CompletedTask : WatchLimitAsync(printer, done);
            try
            {
                if (groupName is not null)
                    await new GroupConsumer(ctx, groupName, name, start, parsed.GetValue(follow), printer).RunAsync(done.Token);
                else
                    await ReadPartitionsAsync(ctx, name, onlyPartition, start, parsed.GetValue(follow), printer, done.Token);
            }
            catch (OperationCanceledException) when (done.IsCancellationRequested)
            {
                // Ctrl-C or --max-messages: a normal end.
            }
            finally
            {
                await done.CancelAsync();
                await stopWhenDone;
            }
            await ctx.Error.WriteLineAsync($"Processed a total of {printer.Count} records.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task ReadPartitionsAsync(CommandContext ctx, string topic, int? onlyPartition, StartPosition start, bool follow,
        RecordPrinter printer, CancellationToken cancellation)
    {
        var description = await ctx.Client.GetAsync<TopicInfo>(ApiPaths.Topic(topic), cancellation);
        var partitions = description.Partitions.Select(p => p.Partition).Order().ToList();
        if (onlyPartition is { } only)
        {
            if (!partitions.Contains(only))
                throw new CliFailure("UNKNOWN_TOPIC_OR_PARTITION", $"Topic '{topic}' has no partition {only} (it has {partitions.Count})");
            partitions = [only];
        }

        await Together.RunAsync(partitions, async (p, token) =>
        {
            var reader = new PartitionReader(ctx, topic, p, follow);
            var from = await reader.ResolveAsync(start, token);
            long? stopAt = follow ? null : await reader.OffsetAtAsync("latest", token);
            await reader.RunAsync(from, stopAt, (_, records) => Task.FromResult(printer.Print(p, records)), token);
        }, cancellation);
    }

    /// <summary>Cancels the readers once the printer has written --max-messages records.</summary>
    private static async Task WatchLimitAsync(RecordPrinter printer, CancellationTokenSource done)
    {
        while (!done.IsCancellationRequested)
        {
            if (printer.Done)
            {
                await done.CancelAsync();
                return;
            }
            try
            {
                await Task.Delay(50, done.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
