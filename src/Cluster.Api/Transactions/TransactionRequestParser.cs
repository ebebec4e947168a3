using System.Text.Json;
using Cluster.Api.Groups;
using Cluster.Api.Http;
using Cluster.Domain.Groups;

namespace Cluster.Api.Transactions;

/// <summary><c>POST /v1/producers</c>: a null id asks for an idempotent producer; the timeout is the default when absent.</summary>
public sealed record ProducerRequest(string? TransactionalId, int TransactionTimeoutMs);

/// <summary>The producer identity every transaction request carries.</summary>
public sealed record ProducerIdentity(long ProducerId, short ProducerEpoch);

/// <summary><c>POST /v1/transactions/{id}/offsets</c>.</summary>
public sealed record TxnOffsetsRequest(ProducerIdentity Producer, string GroupId, IReadOnlyList<OffsetCommit> Offsets, string? MemberId, int? Generation);

/// <summary>
/// The bodies of contract section "Producers and transactions". Unknown fields are ignored; a
/// missing required field, a wrong type or a value out of range is 400 INVALID_REQUEST naming
/// the field. Extensions (optional): <c>"memberId"</c> and <c>"generation"</c> in an offsets
/// body (checked against the group when given, as Kafka's TxnOffsetCommit does), <c>"metadata"</c>
/// per offset.
/// </summary>
public static class TransactionRequestParser
{
    public const int MaxTransactionalIdLength = 255;

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 16 };

    /// <summary>Transactional ids are free text as in Kafka, but not empty, not huge and without control characters.</summary>
    public static string ValidateTransactionalId(string transactionalId)
    {
        if (transactionalId.Length == 0) throw ApiException.BadRequest("The transactional id must not be empty");
        if (transactionalId.Length > MaxTransactionalIdLength)
            throw ApiException.BadRequest($"The transactional id is {transactionalId.Length} characters long; at most {MaxTransactionalIdLength} are allowed");
        if (transactionalId.Any(char.IsControl)) throw ApiException.BadRequest("The transactional id must not contain control characters");
        return transactionalId;
    }

    /// <summary>An empty body is an idempotent producer, like <c>{"transactionalId":null}</c>.</summary>
    public static ProducerRequest ParseProducer(ReadOnlySpan<byte> body, int defaultTimeoutMs, int maxTimeoutMs)
    {
        if (body.Trim(" \t\r\n"u8).IsEmpty) return new ProducerRequest(null, defaultTimeoutMs);
        return Parse(body, """{"transactionalId":"tx-1","transactionTimeoutMs":60000}""", root =>
        {
            var id = OptionalString(root, "transactionalId");
            if (id is not null) ValidateTransactionalId(id);
            var timeout = OptionalInt64(root, "transactionTimeoutMs") ?? defaultTimeoutMs;
            if (timeout < 1 || timeout > maxTimeoutMs)
                throw ApiException.BadRequest(
                    $"'transactionTimeoutMs' is {timeout}; it must be between 1 and {maxTimeoutMs} (Kafka: INVALID_TRANSACTION_TIMEOUT)");
            return new ProducerRequest(id, (int)timeout);
        });
    }

    public static ProducerIdentity ParseEnd(ReadOnlySpan<byte> body) =>
        Parse(body, """{"producerId":7,"producerEpoch":0}""", Producer);

    public static TxnOffsetsRequest ParseOffsets(ReadOnlySpan<byte> body) =>
        Parse(body, """{"producerId":7,"producerEpoch":0,"group":"g","offsets":[{"topic":"in","partition":0,"offset":10}]}""", root =>
        {
            var producer = Producer(root);
            var group = OptionalString(root, "group") ?? throw ApiException.BadRequest("The field 'group' (the consumer group id) is required");
            GroupRequestParser.ValidateGroupId(group);
            if (!root.TryGetProperty("offsets", out var array) || array.ValueKind == JsonValueKind.Null)
                throw ApiException.BadRequest("The field 'offsets' (an array of {topic, partition, offset}) is required");
            if (array.ValueKind != JsonValueKind.Array) throw ApiException.BadRequest($"'offsets' must be an array, not {Describe(array)}");
            var offsets = new List<OffsetCommit>();
            foreach (var item in array.EnumerateArray())
            {
                var at = $"offsets[{offsets.Count}]";
                if (item.ValueKind != JsonValueKind.Object)
                    throw ApiException.BadRequest($"{at} must be an object like {{\"topic\":\"in\",\"partition\":0,\"offset\":10}}, not {Describe(item)}");
                var topic = OptionalString(item, "topic", at);
                if (string.IsNullOrEmpty(topic)) throw ApiException.BadRequest($"{at}.topic is required");
                var partition = OptionalInt64(item, "partition", at) ?? throw ApiException.BadRequest($"{at}.partition is required");
                if (partition is < 0 or > int.MaxValue) throw ApiException.BadRequest($"{at}.partition is {partition}, which is not a partition number");
                var offset = OptionalInt64(item, "offset", at) ?? throw ApiException.BadRequest($"{at}.offset is required");
                if (offset < 0) throw ApiException.BadRequest($"{at}.offset is {offset}; a committed offset is 0 or more (the next offset to read)");
                offsets.Add(new OffsetCommit(topic, (int)partition, offset, OptionalString(item, "metadata", at)));
            }
            var memberId = OptionalString(root, "memberId");
            if (memberId is not null) GroupRequestParser.ValidateMemberId(memberId);
            var generation = OptionalInt64(root, "generation");
            if (generation is < int.MinValue or > int.MaxValue) throw ApiException.BadRequest($"'generation' is {generation}, not a 32-bit integer");
            return new TxnOffsetsRequest(producer, group, offsets, memberId, (int?)generation);
        });

    // ---------------------------------------------------------------- pieces

    private static ProducerIdentity Producer(JsonElement root)
    {
        var producerId = OptionalInt64(root, "producerId") ?? throw ApiException.BadRequest("The field 'producerId' is required");
        if (producerId < 0) throw ApiException.BadRequest($"'producerId' is {producerId}; producer ids are 0 or more");
        var epoch = OptionalInt64(root, "producerEpoch") ?? throw ApiException.BadRequest("The field 'producerEpoch' is required");
        if (epoch is < 0 or > short.MaxValue) throw ApiException.BadRequest($"'producerEpoch' is {epoch}; it must be between 0 and {short.MaxValue}");
        return new ProducerIdentity(producerId, (short)epoch);
    }

    private static T Parse<T>(ReadOnlySpan<byte> body, string shape, Func<JsonElement, T> read)
    {
        if (body.Trim(" \t\r\n"u8).IsEmpty) throw ApiException.BadRequest($"The request body is empty: send a JSON object like {shape}");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray(), Options);
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"The request body is not valid JSON: {e.Message}");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw ApiException.BadRequest($"The request body must be a JSON object like {shape}");
            try
            {
                return read(document.RootElement);
            }
            catch (InvalidOperationException e)
            {
                throw ApiException.BadRequest($"The request body has text that is not valid UTF-8: {e.Message}");
            }
        }
    }

    private static string? OptionalString(JsonElement obj, string field, string? at = null)
    {
        if (!obj.TryGetProperty(field, out var value)) return null;
        return value.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.String => value.GetString(),
            _ => throw ApiException.BadRequest($"'{Name(field, at)}' must be a string or null, not {Describe(value)}"),
        };
    }

    private static long? OptionalInt64(JsonElement obj, string field, string? at = null)
    {
        if (!obj.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n)) return n;
        throw ApiException.BadRequest($"'{Name(field, at)}' must be an integer, not {Describe(value)}");
    }

    private static string Name(string field, string? at) => at is null ? field : $"{at}.{field}";

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string \"{value.GetString()}\"",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
