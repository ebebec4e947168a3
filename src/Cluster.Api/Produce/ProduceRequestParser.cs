using System.Buffers;
using System.Buffers.Text;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Cluster.Api.Http;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Domain.Replication;

namespace Cluster.Api.Produce;

/// <summary>
/// Parses a produce body straight into record batches, one <see cref="RecordBatchBuilder"/>
/// per target partition, with no object per record: keys and values go from the JSON bytes
/// (or a scratch buffer when escaped or base64) into the batch.
///
/// One pass over the body when it can: the records are read where they stand, with the
/// request-level fields seen so far. JSON fields come in any order, and the records' bytes
/// depend on <c>encoding</c> and the batches on <c>producerId</c>: when one of those follows
/// the records with another value than the records were read with (or the records had an
/// error, to be reported after the request-level fields are checked), the records are read
/// again with the final fields. Tokenizing a 1000-record body twice was a tenth of a
/// single node's produce CPU (Cluster.Bench profile), and most bodies put such fields first
/// or leave them out.
///
/// Rules: a record goes to its explicit <c>partition</c>, else to murmur2(key) like Kafka,
/// else (no key) to <see cref="ProduceTarget.NullKeyPartition"/>. A partition's records are
/// split into several batches when one would exceed max.message.bytes, except for an
/// idempotent request (with a producer id), which must fit in one batch on one partition.
/// A missing <c>key</c> or <c>value</c> is null (a tombstone for the value).
/// </summary>
public static class ProduceRequestParser
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 16 };

    public static ParsedProduce Parse(ReadOnlySpan<byte> body, in ProduceTarget target)
    {
        try
        {
            var (options, recordsStart, recordsEnd, inline) = ParseOptions(body, target);
            return inline ?? ParseRecords(body[recordsStart..recordsEnd], options, target);
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"The request body is not valid JSON: {e.Message}");
        }
        catch (InvalidOperationException e) when (e.InnerException is DecoderFallbackException)
        {
            throw ApiException.BadRequest("The request body has text that is not valid UTF-8");
        }
    }

    // ------------------------------------------------------------------ pass 1: request fields

    private static (ProduceOptions Options, int RecordsStart, int RecordsEnd, ParsedProduce? Inline) ParseOptions(ReadOnlySpan<byte> body,
        in ProduceTarget target)
    {
        if (body.Trim(" \t\r\n"u8).IsEmpty)
            throw ApiException.BadRequest("The request body is empty: send a JSON object with a 'records' array");
        var reader = new Utf8JsonReader(body, isFinalBlock: true, new JsonReaderState(ReaderOptions));
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            throw ApiException.BadRequest("The request body must be a JSON object with a 'records' array");

        var acks = Acks.All;
        var encoding = PayloadEncoding.Utf8;
        long? producerId = null;
        short? producerEpoch = null;
        int? baseSequence = null;
        string? transactionalId = null;
        int recordsStart = -1, recordsEnd = -1;
        ParsedProduce? inline = null;

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("records"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                {
                    recordsStart = -1;
                    continue;
                }
                if (reader.TokenType != JsonTokenType.StartArray)
                    throw ApiException.BadRequest($"'records' must be an array of records, not {Describe(reader.TokenType)}");
                recordsStart = (int)reader.TokenStartIndex;
                inline = null;
                var soFar = new ProduceOptions(acks, encoding, producerId, producerEpoch, baseSequence, transactionalId);
                var atArray = reader;
                if (IsComplete(soFar))
                {
                    try
                    {
                        inline = ParseRecordsAt(ref reader, soFar, target);
                    }
                    catch (ApiException)
                    {
                        // Reported (or not, if a later field changes how records read) by the second pass.
                        reader = atArray;
                        reader.Skip();
                    }
                }
                else
                {
                    reader.Skip();
                }
                recordsEnd = (int)reader.BytesConsumed;
            }
            else if (reader.ValueTextEquals("acks"u8))
            {
                reader.Read();
                acks = ParseAcks(ref reader);
            }
            else if (reader.ValueTextEquals("encoding"u8))
            {
                reader.Read();
                encoding = ParseEncoding(ref reader);
            }
            else if (reader.ValueTextEquals("producerId"u8))
            {
                reader.Read();
                producerId = ReadNullableInteger(ref reader, "producerId", 0, long.MaxValue);
            }
            else if (reader.ValueTextEquals("producerEpoch"u8))
            {
                reader.Read();
                producerEpoch = (short?)ReadNullableInteger(ref reader, "producerEpoch", 0, short.MaxValue);
            }
            else if (reader.ValueTextEquals("baseSequence"u8))
            {
                reader.Read();
                baseSequence = (int?)ReadNullableInteger(ref reader, "baseSequence", 0, int.MaxValue);
            }
            else if (reader.ValueTextEquals("transactionalId"u8))
            {
                reader.Read();
                transactionalId = reader.TokenType switch
                {
                    JsonTokenType.Null => null,
                    JsonTokenType.String => reader.GetString(),
                    _ => throw ApiException.BadRequest($"'transactionalId' must be a string or null, not {Describe(reader.TokenType)}"),
                };
                if (transactionalId is { Length: 0 }) throw ApiException.BadRequest("'transactionalId' must not be empty");
            }
            else
            {
                reader.Skip(); // unknown fields are ignored
            }
        }
        while (reader.Read()) { } // only whitespace may follow the object
        if (recordsStart < 0) throw ApiException.BadRequest("The field 'records' (an array of records) is required");

        if (producerId is not null)
        {
            if (producerEpoch is null) throw ApiException.BadRequest("'producerEpoch' is required with a 'producerId'");
            if (baseSequence is null) throw ApiException.BadRequest("'baseSequence' is required with a 'producerId'");
        }
        else
        {
            if (producerEpoch is not null) throw ApiException.BadRequest("'producerEpoch' is given without a 'producerId'");
            if (baseSequence is not null) throw ApiException.BadRequest("'baseSequence' is given without a 'producerId'");
            if (transactionalId is not null) throw ApiException.BadRequest("'transactionalId' is given without a 'producerId'");
        }

        var options = new ProduceOptions(acks, encoding, producerId, producerEpoch, baseSequence, transactionalId);
        // The records read in place stand if nothing that shapes them changed after them; acks does not.
        if (inline is not null && ReadsRecordsAlike(inline.Options, options))
            return (options, recordsStart, recordsEnd, new ParsedProduce(options, inline.Partitions, inline.Records));
        return (options, recordsStart, recordsEnd, null);
    }

    /// <summary>The producer fields are all there or all absent, so batches can be built with them.</summary>
    private static bool IsComplete(ProduceOptions o) =>
        o.ProducerId is null
            ? o.ProducerEpoch is null && o.BaseSequence is null && o.TransactionalId is null
            : o.ProducerEpoch is not null && o.BaseSequence is not null;

    private static bool ReadsRecordsAlike(ProduceOptions a, ProduceOptions b) =>
        a.Encoding == b.Encoding && a.ProducerId == b.ProducerId && a.ProducerEpoch == b.ProducerEpoch
        && a.BaseSequence == b.BaseSequence && a.TransactionalId == b.TransactionalId;

    /// <summary>"0", "1", "all" or "-1" (Kafka's alias of all); the numbers 0, 1 and -1 are accepted too.</summary>
    private static Acks ParseAcks(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return Acks.All;
            case JsonTokenType.String:
                if (reader.ValueTextEquals("all"u8) || reader.ValueTextEquals("-1"u8) || reader.ValueTextEquals("ALL"u8)) return Acks.All;
                if (reader.ValueTextEquals("1"u8)) return Acks.Leader;
                if (reader.ValueTextEquals("0"u8)) return Acks.None;
                break;
            case JsonTokenType.Number when reader.TryGetInt32(out var n):
                if (n == -1) return Acks.All;
                if (n == 1) return Acks.Leader;
                if (n == 0) return Acks.None;
                break;
        }
        throw ApiException.BadRequest($"'acks' must be \"0\", \"1\", \"all\" or \"-1\", not {Describe(ref reader)}");
    }

    private static PayloadEncoding ParseEncoding(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null) return PayloadEncoding.Utf8;
        if (reader.TokenType == JsonTokenType.String)
        {
            var text = reader.GetString();
            if (string.Equals(text, "utf8", StringComparison.OrdinalIgnoreCase) || string.Equals(text, "utf-8", StringComparison.OrdinalIgnoreCase))
                return PayloadEncoding.Utf8;
            if (string.Equals(text, "base64", StringComparison.OrdinalIgnoreCase)) return PayloadEncoding.Base64;
        }
        throw ApiException.BadRequest($"'encoding' must be \"utf8\" or \"base64\", not {Describe(ref reader)}");
    }

    private static long? ReadNullableInteger(ref Utf8JsonReader reader, string field, long min, long max)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) && value >= min && value <= max) return value;
        throw ApiException.BadRequest($"'{field}' must be an integer between {min} and {max} or null, not {Describe(ref reader)}");
    }

    // ------------------------------------------------------------------ pass 2: records

    private static ParsedProduce ParseRecords(ReadOnlySpan<byte> recordsJson, ProduceOptions options, in ProduceTarget target)
    {
        var reader = new Utf8JsonReader(recordsJson, isFinalBlock: true, new JsonReaderState(ReaderOptions));
        reader.Read(); // StartArray, checked in pass 1
        return ParseRecordsAt(ref reader, options, target);
    }

    /// <summary>Reads the records array the reader stands on (its StartArray) up to and including its EndArray.</summary>
    private static ParsedProduce ParseRecordsAt(ref Utf8JsonReader reader, ProduceOptions options, in ProduceTarget target)
    {

        var slotOfPartition = new int[target.PartitionCount];
        Array.Fill(slotOfPartition, -1);
        var partitions = new List<PartitionBatches>();
        var builders = new List<RecordBatchBuilder>();
        var placements = new List<RecordPlacement>();
        var headers = new List<RecordHeader>();
        var keyScratch = ArrayPool<byte>.Shared.Rent(256);
        var valueScratch = ArrayPool<byte>.Shared.Rent(1024);
        try
        {
            var index = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                    throw ApiException.BadRequest($"records[{index}] must be an object, not {Describe(reader.TokenType)}");

                ReadOnlySpan<byte> key = default, value = default;
                bool keyIsNull = true, valueIsNull = true;
                int? partition = null;
                headers.Clear();

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("key"u8))
                    {
                        reader.Read();
                        key = ReadPayload(ref reader, options.Encoding, ref keyScratch, index, "key", out keyIsNull);
                    }
                    else if (reader.ValueTextEquals("value"u8))
                    {
                        reader.Read();
                        value = ReadPayload(ref reader, options.Encoding, ref valueScratch, index, "value", out valueIsNull);
                    }
                    else if (reader.ValueTextEquals("partition"u8))
                    {
                        reader.Read();
                        partition = ReadPartition(ref reader, index, target);
                    }
                    else if (reader.ValueTextEquals("headers"u8))
                    {
                        reader.Read();
                        ReadHeaders(ref reader, options.Encoding, index, headers);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }

                var p = partition ?? (keyIsNull ? target.NullKeyPartition : DefaultPartitioner.PartitionForKey(key, target.PartitionCount));
                var slot = slotOfPartition[p];
                if (slot < 0)
                {
                    if (options.IsIdempotent && partitions.Count > 0)
                        throw ApiException.BadRequest(
                            $"A request with a producerId must send all its records to one partition; records[{index}] goes to partition {p}, " +
                            $"an earlier one to partition {partitions[0].Partition}");
                    slot = slotOfPartition[p] = partitions.Count;
                    partitions.Add(new PartitionBatches(p));
                    builders.Add(NewBuilder(options));
                }

                var headerSpan = CollectionsMarshal.AsSpan(headers);
                var alone = RecordSize(0, key.Length, keyIsNull, value.Length, valueIsNull, headerSpan);
                if (RecordBatch.HeaderSize + alone > target.MaxBatchBytes)
                    throw new ApiException(ErrorCode.RecordListTooLarge,
                        $"records[{index}] takes {RecordBatch.HeaderSize + alone} bytes as a batch; the topic's max.message.bytes is {target.MaxBatchBytes}");

                var builder = builders[slot];
                var size = RecordSize(builder.Count, key.Length, keyIsNull, value.Length, valueIsNull, headerSpan);
                if (builder.UncompressedSizeInBytes + size > target.MaxBatchBytes)
                {
                    if (options.IsIdempotent)
                        throw new ApiException(ErrorCode.RecordListTooLarge,
                            $"The records take more than the topic's max.message.bytes ({target.MaxBatchBytes}), and a request with a " +
                            "producerId is written as one batch: send fewer records per request");
                    var sealedRecords = builder.Count;
                    partitions[slot].Batches.Add(builder.Build());
                    partitions[slot].RecordCounts.Add(sealedRecords);
                    builder = builders[slot] = NewBuilder(options);
                }

                builder.Append(target.TimestampMs, key, keyIsNull, value, valueIsNull, headerSpan);
                placements.Add(new RecordPlacement(slot, partitions[slot].Batches.Count, builder.Count - 1));
                index++;
            }
            if (index == 0) throw ApiException.BadRequest("'records' is empty: send at least one record");

            for (var slot = 0; slot < partitions.Count; slot++)
            {
                var count = builders[slot].Count;
                partitions[slot].Batches.Add(builders[slot].Build());
                partitions[slot].RecordCounts.Add(count);
            }
            return new ParsedProduce(options, partitions, placements);
        }
        finally
        {
            foreach (var builder in builders) builder.Dispose();
            ArrayPool<byte>.Shared.Return(keyScratch);
            ArrayPool<byte>.Shared.Return(valueScratch);
        }
    }

    private static RecordBatchBuilder NewBuilder(ProduceOptions options) =>
        options.ProducerId is { } producerId
            ? new RecordBatchBuilder(CompressionType.None, producerId, options.ProducerEpoch!.Value, options.BaseSequence!.Value,
                isTransactional: options.TransactionalId is not null)
            : new RecordBatchBuilder();

    private static int? ReadPartition(ref Utf8JsonReader reader, int index, in ProduceTarget target)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var p))
            throw ApiException.BadRequest($"records[{index}].partition must be an integer or null, not {Describe(ref reader)}");
        if (p < 0 || p >= target.PartitionCount)
            throw new ApiException(ErrorCode.UnknownTopicOrPartition,
                $"Topic '{target.Topic}' has no partition {p} (it has {target.PartitionCount})");
        return (int)p;
    }

    private static void ReadHeaders(ref Utf8JsonReader reader, PayloadEncoding encoding, int index, List<RecordHeader> headers)
    {
        headers.Clear();
        if (reader.TokenType == JsonTokenType.Null) return;
        if (reader.TokenType != JsonTokenType.StartObject)
            throw ApiException.BadRequest($"records[{index}].headers must be an object of header name to value, not {Describe(reader.TokenType)}");
        byte[] scratch = ArrayPool<byte>.Shared.Rent(256);
        try
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                reader.Read();
                var bytes = ReadPayload(ref reader, encoding, ref scratch, index, $"headers.{name}", out var isNull);
                headers.Add(isNull ? new RecordHeader(name, null) : new RecordHeader(name, bytes.ToArray()));
            }
        }
        catch (InvalidOperationException e)
        {
            throw ApiException.BadRequest($"records[{index}].headers has a name that is not valid text: {e.Message}");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>
    /// A key, value or header value: null, or a string in the request's encoding. The bytes are
    /// the JSON's own when they need no unescaping or decoding, else they are in <paramref name="scratch"/>.
    /// </summary>
    private static ReadOnlySpan<byte> ReadPayload(scoped ref Utf8JsonReader reader, PayloadEncoding encoding, scoped ref byte[] scratch,
        int index, string field, out bool isNull)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            isNull = true;
            return default;
        }
        if (reader.TokenType != JsonTokenType.String)
            throw ApiException.BadRequest($"records[{index}].{field} must be a string or null, not {Describe(reader.TokenType)}");
        isNull = false;

        var inScratch = reader.ValueIsEscaped;
        var raw = reader.ValueSpan;
        if (inScratch)
        {
            Ensure(ref scratch, raw.Length);
            int written;
            try
            {
                written = reader.CopyString(scratch);
            }
            catch (InvalidOperationException)
            {
                throw ApiException.BadRequest($"records[{index}].{field} has an escape sequence that is not valid Unicode");
            }
            raw = scratch.AsSpan(0, written);
        }

        if (encoding == PayloadEncoding.Utf8)
        {
            if (!Utf8.IsValid(raw)) throw ApiException.BadRequest($"records[{index}].{field} is not valid UTF-8");
            return raw;
        }

        OperationStatus status;
        int decoded;
        if (inScratch)
        {
            status = Base64.DecodeFromUtf8InPlace(scratch.AsSpan(0, raw.Length), out decoded);
        }
        else
        {
            Ensure(ref scratch, Base64.GetMaxDecodedFromUtf8Length(raw.Length));
            status = Base64.DecodeFromUtf8(raw, scratch, out _, out decoded);
        }
        if (status != OperationStatus.Done)
            throw ApiException.BadRequest($"records[{index}].{field} is not valid base64");
        return scratch.AsSpan(0, decoded);
    }

    private static void Ensure(ref byte[] scratch, int length)
    {
        if (scratch.Length >= length) return;
        ArrayPool<byte>.Shared.Return(scratch);
        scratch = ArrayPool<byte>.Shared.Rent(length);
    }

    /// <summary>The bytes a record takes in a v2 batch (as RecordBatchBuilder writes it, timestamp delta 0).</summary>
    public static int RecordSize(int offsetDelta, int keyLength, bool keyIsNull, int valueLength, bool valueIsNull,
        ReadOnlySpan<RecordHeader> headers)
    {
        long body = 1 + 1 + SizeOfVarint(offsetDelta) + SizeOfBytes(keyLength, keyIsNull) + SizeOfBytes(valueLength, valueIsNull)
            + SizeOfVarint(headers.Length);
        foreach (var header in headers)
        {
            var keyBytes = Encoding.UTF8.GetByteCount(header.Key);
            body += SizeOfVarint(keyBytes) + keyBytes + SizeOfBytes(header.Value?.Length ?? 0, !header.Value.HasValue);
        }
        var total = SizeOfVarint((int)Math.Min(body, int.MaxValue)) + body;
        return (int)Math.Min(total, int.MaxValue);
    }

    private static long SizeOfBytes(int length, bool isNull) => isNull ? 1 : SizeOfVarint(length) + (long)length;

    private static int SizeOfVarint(int value)
    {
        var v = (uint)((value << 1) ^ (value >> 31));
        var bytes = 1;
        while ((v & 0xFFFFFF80u) != 0)
        {
            bytes++;
            v >>= 7;
        }
        return bytes;
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    private static string Describe(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String or JsonTokenType.Number => $"{Describe(reader.TokenType)} ({Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan)})",
        _ => Describe(reader.TokenType),
    };
}
