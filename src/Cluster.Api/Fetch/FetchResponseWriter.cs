using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Cluster.Api.Produce;
using Cluster.Domain.Log;
using Cluster.Domain.Replication;

namespace Cluster.Api.Fetch;

/// <summary>What a fetch asked for, beyond the partition.</summary>
public readonly record struct FetchOptions(long Offset, int MaxRecords, int MaxBytes, IsolationLevel Isolation, PayloadEncoding Encoding);

/// <summary>
/// Turns the leader's whole batches into the fetch answer, written straight to the response:
/// it skips what was not asked for (records before the offset in the first batch), never
/// shows a transaction marker, nor, for read_committed, a record of an aborted transaction,
/// nor anything at or above the high watermark (the last stable offset for read_committed).
/// It stops after <c>maxRecords</c> records or before going over <c>maxBytes</c> of record
/// data (though it always returns a first record that fits nowhere, as Kafka does, so a
/// consumer can always progress).
///
/// <c>nextOffset</c> is where the consumer goes on: past every record it returned and every
/// marker or aborted record it skipped on the way; the requested offset when it got nothing.
/// Header keys that repeat in a record come out once, with the last value (a JSON object
/// cannot hold the same key twice).
/// </summary>
public static class FetchResponseWriter
{
    public static long Write(Utf8JsonWriter writer, FetchResult result, in FetchOptions options)
    {
        var limit = options.Isolation == IsolationLevel.ReadCommitted
            ? Math.Min(result.LastStableOffset, result.HighWatermark)
            : result.HighWatermark;
        var next = options.Offset;
        var count = 0;
        long bytes = 0;
        var full = false;

        writer.WriteStartObject();
        writer.WriteStartArray("records");
        foreach (var data in result.Batches)
        {
            var batch = new RecordBatch(data);
            if (batch.BaseOffset >= limit) break;
            if (batch.NextOffset <= next) continue;
            if (batch.IsControl)
            {
                if (batch.LastOffset < limit) next = batch.NextOffset;
                continue;
            }

            var aborted = options.Isolation == IsolationLevel.ReadCommitted && batch.IsTransactional
                ? AbortedSpansOf(batch.ProducerId, result.AbortedTransactions)
                : null;
            var reachedLimit = false;
            foreach (var record in batch)
            {
                if (record.Offset < next) continue;
                if (record.Offset >= limit)
                {
                    reachedLimit = true;
                    break;
                }
                if (aborted is not null && IsIn(aborted, record.Offset))
                {
                    next = record.Offset + 1;
                    continue;
                }
                if (count >= options.MaxRecords || count > 0 && bytes + record.SizeInBytes > options.MaxBytes)
                {
                    full = true;
                    break;
                }
                WriteRecord(writer, record, options.Encoding);
                count++;
                bytes += record.SizeInBytes;
                next = record.Offset + 1;
            }
            if (full || reachedLimit) break;
            next = Math.Max(next, Math.Min(batch.NextOffset, limit));
        }
        writer.WriteEndArray();
        writer.WriteNumber("nextOffset", next);
        writer.WriteNumber("highWatermark", result.HighWatermark);
        writer.WriteNumber("lastStableOffset", result.LastStableOffset);
        writer.WriteNumber("logStartOffset", result.LogStartOffset);
        writer.WriteEndObject();
        return next;
    }

    private static List<AbortedTxn>? AbortedSpansOf(long producerId, IReadOnlyList<AbortedTxn> aborted)
    {
        List<AbortedTxn>? spans = null;
        foreach (var txn in aborted)
            if (txn.ProducerId == producerId) (spans ??= new List<AbortedTxn>()).Add(txn);
        return spans;
    }

    private static bool IsIn(List<AbortedTxn> spans, long offset)
    {
        foreach (var txn in spans)
            if (txn.FirstOffset <= offset && offset <= txn.LastOffset) return true;
        return false;
    }

    private static void WriteRecord(Utf8JsonWriter writer, in Record record, PayloadEncoding encoding)
    {
        writer.WriteStartObject();
        writer.WriteNumber("offset", record.Offset);
        writer.WriteNumber("timestamp", record.Timestamp);
        WritePayload(writer, "key", record.Key, encoding);
        WritePayload(writer, "value", record.Value, encoding);
        writer.WriteStartObject("headers");
        var headers = record.Headers;
        for (var i = 0; i < headers.Count; i++)
        {
            if (RepeatsLater(headers, i)) continue;
            WritePayload(writer, headers[i].Key, headers[i].Value, encoding);
        }
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static bool RepeatsLater(IReadOnlyList<RecordHeader> headers, int i)
    {
        for (var j = i + 1; j < headers.Count; j++)
            if (string.Equals(headers[j].Key, headers[i].Key, StringComparison.Ordinal)) return true;
        return false;
    }

    /// <summary>
    /// Null stays null; base64 as is; utf8 as the text, with U+FFFD for bytes that are not
    /// valid UTF-8 (binary data is read with base64).
    /// </summary>
    public static void WritePayload(Utf8JsonWriter writer, string name, ReadOnlyMemory<byte>? bytes, PayloadEncoding encoding)
    {
        if (bytes is not { } value)
        {
            writer.WriteNull(name);
            return;
        }
        var span = value.Span;
        if (encoding == PayloadEncoding.Base64) writer.WriteBase64String(name, span);
        else if (Utf8.IsValid(span)) writer.WriteString(name, span);
        else writer.WriteString(name, Encoding.UTF8.GetString(span));
    }
}
