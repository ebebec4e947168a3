using System.Text;
using System.Text.Json;
using Cluster.Api.Http;
using Cluster.Domain.Groups;

namespace Cluster.Api.Groups;

public sealed record JoinRequest(IReadOnlyList<string> Topics, int SessionTimeoutMs, string? MemberId, string? Assignor);

public sealed record CommitRequest(IReadOnlyList<OffsetCommit> Offsets, string? MemberId, int? Generation);

/// <summary>
/// The consumer group bodies of the contract. Unknown fields are ignored; a missing required
/// field, a wrong type or a value out of range is 400 INVALID_REQUEST with a message that
/// names the field. Extensions (optional, not in the contract): <c>"assignor"</c> in a join
/// (range, roundrobin, sticky), a body <c>{"generation":5}</c> on a heartbeat.
/// </summary>
public static class GroupRequestParser
{
    public const int MaxGroupIdLength = 255;
    public const int MaxMemberIdLength = 255;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 16 };

    /// <summary>Group ids are free text as in Kafka, but not empty, not huge and without control characters.</summary>
    public static string ValidateGroupId(string groupId)
    {
        if (groupId.Length == 0) throw ApiException.BadRequest("The group id must not be empty");
        if (groupId.Length > MaxGroupIdLength)
            throw ApiException.BadRequest($"The group id is {groupId.Length} characters long; at most {MaxGroupIdLength} are allowed");
        if (groupId.Any(char.IsControl)) throw ApiException.BadRequest("The group id must not contain control characters");
        return groupId;
    }

    public static string ValidateMemberId(string memberId)
    {
        if (memberId.Length == 0 || memberId.Length > MaxMemberIdLength || memberId.Any(char.IsControl))
            throw ApiException.BadRequest($"'{memberId}' is not a member id");
        return memberId;
    }

    public static JoinRequest ParseJoin(ReadOnlySpan<byte> body, GroupPolicy policy, int defaultSessionTimeoutMs)
    {
        List<string>? topics = null;
        int? sessionTimeoutMs = null;
        string? memberId = null;
        string? assignor = null;
        var reader = StartObject(body, """The request body must be a JSON object like {"topics":["orders"],"sessionTimeoutMs":10000,"memberId":null}""");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("topics"u8)) topics = ReadStringArray(ref reader, "topics");
            else if (reader.ValueTextEquals("sessionTimeoutMs"u8)) sessionTimeoutMs = ReadInt32(ref reader, "sessionTimeoutMs");
            else if (reader.ValueTextEquals("memberId"u8)) memberId = ReadString(ref reader, "memberId");
            else if (reader.ValueTextEquals("assignor"u8)) assignor = ReadString(ref reader, "assignor");
            else Skip(ref reader);
        }

        if (topics is null || topics.Count == 0)
            throw ApiException.BadRequest("The field 'topics' (a non-empty array of topic names) is required");
        if (topics.Any(string.IsNullOrEmpty)) throw ApiException.BadRequest("'topics' must not contain empty names");
        var session = sessionTimeoutMs ?? defaultSessionTimeoutMs;
        if (session < policy.MinSessionTimeoutMs || session > policy.MaxSessionTimeoutMs)
            throw ApiException.BadRequest(
                $"sessionTimeoutMs {session} is outside the allowed range [{policy.MinSessionTimeoutMs}, {policy.MaxSessionTimeoutMs}] (Kafka: INVALID_SESSION_TIMEOUT)");
        if (assignor is not null && !PartitionAssignors.IsKnown(assignor))
            throw ApiException.BadRequest($"Unknown assignor '{assignor}'; known: {string.Join(", ", PartitionAssignors.Names)}");
        if (memberId is not null) ValidateMemberId(memberId);
        return new JoinRequest(topics, session, memberId, assignor);
    }

    public static CommitRequest ParseCommit(ReadOnlySpan<byte> body)
    {
        List<OffsetCommit>? offsets = null;
        string? memberId = null;
        int? generation = null;
        var reader = StartObject(body,
            """The request body must be a JSON object like {"offsets":[{"topic":"orders","partition":0,"offset":43,"metadata":""}],"memberId":null,"generation":null}""");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("offsets"u8)) offsets = ReadOffsets(ref reader);
            else if (reader.ValueTextEquals("memberId"u8)) memberId = ReadString(ref reader, "memberId");
            else if (reader.ValueTextEquals("generation"u8)) generation = ReadInt32(ref reader, "generation");
            else Skip(ref reader);
        }
        if (offsets is null) throw ApiException.BadRequest("The field 'offsets' (an array of {topic, partition, offset}) is required");
        if (memberId is not null) ValidateMemberId(memberId);
        return new CommitRequest(offsets, memberId, generation);
    }

    /// <summary>A heartbeat's optional body: nothing, or <c>{"generation":5}</c> to be checked against the group's.</summary>
    public static int? ParseHeartbeat(ReadOnlySpan<byte> body)
    {
        if (body.Trim(" \t\r\n"u8).IsEmpty) return null;
        int? generation = null;
        var reader = StartObject(body, """The heartbeat body, when given, must be a JSON object like {"generation":5}""");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("generation"u8)) generation = ReadInt32(ref reader, "generation");
            else Skip(ref reader);
        }
        return generation;
    }

    // ---------------------------------------------------------------- pieces

    private static List<OffsetCommit> ReadOffsets(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray)
            throw ApiException.BadRequest($"'offsets' must be an array, not {Describe(ref reader)}");
        var offsets = new List<OffsetCommit>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var at = $"offsets[{offsets.Count}]";
            if (reader.TokenType != JsonTokenType.StartObject)
                throw ApiException.BadRequest($"{at} must be an object like {{\"topic\":\"orders\",\"partition\":0,\"offset\":43}}, not {Describe(ref reader)}");
            string? topic = null, metadata = null;
            int? partition = null;
            long? offset = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("topic"u8)) topic = ReadString(ref reader, $"{at}.topic");
                else if (reader.ValueTextEquals("partition"u8)) partition = ReadInt32(ref reader, $"{at}.partition");
                else if (reader.ValueTextEquals("offset"u8)) offset = ReadInt64(ref reader, $"{at}.offset");
                else if (reader.ValueTextEquals("metadata"u8)) metadata = ReadString(ref reader, $"{at}.metadata");
                else Skip(ref reader);
            }
            if (string.IsNullOrEmpty(topic)) throw ApiException.BadRequest($"{at}.topic is required");
            if (partition is null) throw ApiException.BadRequest($"{at}.partition is required");
            if (offset is null) throw ApiException.BadRequest($"{at}.offset is required");
            if (offset < 0) throw ApiException.BadRequest($"{at}.offset is {offset}; a committed offset is 0 or more (the next offset to read)");
            offsets.Add(new OffsetCommit(topic, partition.Value, offset.Value, metadata));
        }
        return offsets;
    }

    private static List<string> ReadStringArray(ref Utf8JsonReader reader, string field)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null) return new List<string>();
        if (reader.TokenType != JsonTokenType.StartArray) throw ApiException.BadRequest($"'{field}' must be an array of strings, not {Describe(ref reader)}");
        var values = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String)
                throw ApiException.BadRequest($"'{field}' must be an array of strings; it holds {Describe(ref reader)}");
            values.Add(reader.GetString()!);
        }
        return values;
    }

    private static string? ReadString(ref Utf8JsonReader reader, string field)
    {
        reader.Read();
        return reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Null => null,
            _ => throw ApiException.BadRequest($"'{field}' must be a string, not {Describe(ref reader)}"),
        };
    }

    private static int? ReadInt32(ref Utf8JsonReader reader, string field)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null) return null;
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var value))
            throw ApiException.BadRequest($"'{field}' must be a 32-bit integer, not {Describe(ref reader)}");
        return value;
    }

    private static long? ReadInt64(ref Utf8JsonReader reader, string field)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null) return null;
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var value))
            throw ApiException.BadRequest($"'{field}' must be an integer, not {Describe(ref reader)}");
        return value;
    }

    private static void Skip(ref Utf8JsonReader reader)
    {
        reader.Read();
        reader.Skip();
    }

    private static Utf8JsonReader StartObject(ReadOnlySpan<byte> body, string shape)
    {
        if (body.Trim(" \t\r\n"u8).IsEmpty) throw ApiException.BadRequest("The request body is empty. " + shape);
        try
        {
            // Check the whole document first, so a broken one is refused before anything is decided.
            var check = new Utf8JsonReader(body, isFinalBlock: true, new JsonReaderState(ReaderOptions));
            while (check.Read()) { }
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"The request body is not valid JSON: {e.Message}");
        }
        var reader = new Utf8JsonReader(body, isFinalBlock: true, new JsonReaderState(ReaderOptions));
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw ApiException.BadRequest(shape);
        return reader;
    }

    private static string Describe(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => $"the string \"{reader.GetString()}\"",
        JsonTokenType.Number => $"the number {Encoding.UTF8.GetString(reader.ValueSpan)}",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => reader.TokenType.ToString(),
    };
}
