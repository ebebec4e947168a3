using Cluster.Domain.Log;
using Cluster.Domain.Protocol;

namespace Cluster.Kafka.Handlers;

/// <summary>
/// Checks the "records" field of one partition of a Produce request before anything is
/// appended, as Kafka's LogValidator does: one or more whole RecordBatch v2 batches, each
/// with a correct CRC-32C, records that decode (compressed ones are inflated to check them)
/// with offset deltas 0..n-1, and no control batches (only the cluster writes markers).
/// </summary>
public static class RecordsValidator
{
    public readonly record struct Outcome(ErrorCode Error, string? Message, List<byte[]> Batches)
    {
        public bool Ok => Error == ErrorCode.None;
    }

    /// <param name="transactional">Whether the request carries a transactional id.</param>
    public static Outcome Validate(ReadOnlyMemory<byte> records, bool transactional)
    {
        var batches = new List<byte[]>(1);
        if (records.IsEmpty) return Fail(ErrorCode.CorruptMessage, "The partition's records hold no record batch", batches);

        var reader = new RecordBatchReader(records);
        while (reader.TryReadNext(out var batch))
        {
            if (batch.IsControl)
                return Fail(ErrorCode.InvalidRecord, "Clients may not produce control batches", batches);
            if (batch.IsTransactional && !transactional)
                return Fail(ErrorCode.InvalidRecord, "A transactional batch must come with the producer's transactional id", batches);
            if (batch.IsTransactional && batch.ProducerId < 0)
                return Fail(ErrorCode.InvalidRecord, "A transactional batch must carry a producer id", batches);
            if (batch.RecordCount == 0)
                return Fail(ErrorCode.InvalidRecord, "A produced batch must hold at least one record", batches);
            if (batch.LastOffsetDelta != batch.RecordCount - 1)
                return Fail(ErrorCode.InvalidRecord,
                    $"The batch declares {batch.RecordCount} records but a last offset delta of {batch.LastOffsetDelta}", batches);
            try
            {
                var expected = 0;
                foreach (var record in batch)
                {
                    if (record.OffsetDelta != expected)
                        return Fail(ErrorCode.InvalidRecord, $"Record {expected} of the batch has offset delta {record.OffsetDelta}", batches);
                    expected++;
                }
            }
            catch (CorruptRecordException e)
            {
                return Fail(ErrorCode.CorruptMessage, "A record does not decode: " + e.Message, batches);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or InvalidOperationException or ArgumentException)
            {
                // A compressed payload the codec cannot inflate.
                return Fail(ErrorCode.CorruptMessage, $"The batch's {batch.Compression} payload does not decompress: {e.Message}", batches);
            }
            // The leader stamps offsets and the epoch into the array it is given: one array per batch.
            batches.Add(batch.Buffer.ToArray());
        }
        if (reader.Result != BatchReadResult.Ok)
            return Fail(ErrorCode.CorruptMessage, reader.Error ?? "Malformed record batch", batches);
        return new Outcome(ErrorCode.None, null, batches);
    }

    private static Outcome Fail(ErrorCode error, string message, List<byte[]> batches)
    {
        batches.Clear();
        return new Outcome(error, message, batches);
    }
}
