using Cluster.Cli.Model;

namespace Cluster.Cli.Produce;

/// <summary>
/// Turns input lines into records: the whole line is the value, or, with a key separator,
/// the text before its first occurrence is the key and the rest the value (a line without
/// the separator has no key). Lines are grouped into requests of at most
/// <c>maxRecords</c> records and about <c>maxBytes</c> of text, well under the server's body limit.
/// </summary>
public sealed class LineRecords(string? keySeparator, int? partition)
{
    public const int DefaultBatchRecords = 500;
    public const int DefaultBatchBytes = 1024 * 1024;

    public ProduceRecord Parse(string line)
    {
        if (string.IsNullOrEmpty(keySeparator)) return new ProduceRecord(null, line, partition);
        var at = line.IndexOf(keySeparator, StringComparison.Ordinal);
        return at < 0
            ? new ProduceRecord(null, line, partition)
            : new ProduceRecord(line[..at], line[(at + keySeparator.Length)..], partition);
    }

    public async IAsyncEnumerable<IReadOnlyList<ProduceRecord>> BatchesAsync(TextReader input, int maxRecords, int maxBytes,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellation = default)
    {
        var batch = new List<ProduceRecord>(Math.Min(maxRecords, 1024));
        var bytes = 0;
        while (await input.ReadLineAsync(cancellation) is { } line)
        {
            var record = Parse(line);
            var size = (record.Key?.Length ?? 0) + (record.Value?.Length ?? 0) + 32;
            if (batch.Count > 0 && (batch.Count >= maxRecords || bytes + size > maxBytes))
            {
                yield return batch;
                batch = new List<ProduceRecord>(Math.Min(maxRecords, 1024));
                bytes = 0;
            }
            batch.Add(record);
            bytes += size;
        }
        if (batch.Count > 0) yield return batch;
    }
}
