using Cluster.Cli.Model;
using Cluster.Cli.Output;

namespace Cluster.Cli.Consume;

/// <summary>
/// Writes fetched records to stdout as they arrive, from any number of partition readers:
/// for people the value alone (or key, separator, value with --print-key, so that the output
/// can be fed back to <c>produce --key-separator</c>); for scripts one JSON object per line.
/// Stops accepting records once <c>maxMessages</c> have been written.
/// </summary>
public sealed class RecordPrinter(CommandContext context, string topic, bool printKey, string keySeparator, long? maxMessages)
{
    public sealed record RecordLine(string Topic, int Partition, long Offset, long Timestamp, string? Key, string? Value,
        IReadOnlyDictionary<string, string?> Headers);

    private readonly object _lock = new();
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public bool Done => maxMessages is { } max && Count >= max;

    /// <summary>Writes as many of the records as the limit allows and returns how many it wrote.</summary>
    public int Print(int partition, IReadOnlyList<FetchedRecord> records)
    {
        lock (_lock)
        {
            var written = 0;
            foreach (var record in records)
            {
                if (maxMessages is { } max && _count >= max) break;
                if (context.Json)
                    JsonOutput.WriteLine(context.Out, new RecordLine(topic, partition, record.Offset, record.Timestamp, record.Key, record.Value,
                        record.Headers ?? new Dictionary<string, string?>()));
                else if (printKey)
                    context.Out.WriteLine($"{record.Key ?? "null"}{keySeparator}{record.Value ?? "null"}");
                else
                    context.Out.WriteLine(record.Value ?? "null");
                Interlocked.Increment(ref _count);
                written++;
            }
            context.Out.Flush();
            return written;
        }
    }
}
