using System.Text;
using System.Text.Json;
using Cluster.Api.Http;
using Cluster.Domain.Controller;
using Cluster.Domain.Protocol;

namespace Cluster.Api.Topics;

public sealed record CreateTopicRequest(string Name, int Partitions, int ReplicationFactor, IReadOnlyDictionary<string, string> Configs);

/// <summary>
/// The admin bodies. Omitted in a create: <c>partitions</c> 1 and <c>replicationFactor</c> 1
/// (Kafka's num.partitions and default.replication.factor), no <c>configs</c>.
/// Config values are strings as Kafka has them; a JSON number or boolean is taken as its
/// text (<c>"retention.ms": 60000</c> is <c>"60000"</c>), anything else is INVALID_CONFIG.
/// Topic names and config keys/values are checked here with the controller's own rules,
/// so a bad request is refused without a round trip.
/// </summary>
public static class TopicRequestParser
{
    public const int DefaultPartitions = 1;
    public const int DefaultReplicationFactor = 1;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 16 };

    public static CreateTopicRequest ParseCreate(ReadOnlySpan<byte> body)
    {
        string? name = null;
        var partitions = DefaultPartitions;
        var replicationFactor = DefaultReplicationFactor;
        IReadOnlyDictionary<string, string> configs = new Dictionary<string, string>();
        try
        {
            var reader = StartObject(body, "The request body must be a JSON object like {\"name\":\"orders\",\"partitions\":3}");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("name"u8))
                {
                    reader.Read();
                    name = reader.TokenType switch
                    {
                        JsonTokenType.String => reader.GetString(),
                        JsonTokenType.Null => null,
                        _ => throw ApiException.BadRequest($"'name' must be a string, not {Describe(ref reader)}"),
                    };
                }
                else if (reader.ValueTextEquals("partitions"u8))
                {
                    reader.Read();
                    partitions = ReadCount(ref reader, "partitions", DefaultPartitions, ErrorCode.InvalidPartitions);
                }
                else if (reader.ValueTextEquals("replicationFactor"u8))
                {
                    reader.Read();
                    replicationFactor = ReadCount(ref reader, "replicationFactor", DefaultReplicationFactor, ErrorCode.InvalidReplicationFactor);
                }
                else if (reader.ValueTextEquals("configs"u8))
                {
                    reader.Read();
                    configs = reader.TokenType == JsonTokenType.Null
                        ? new Dictionary<string, string>()
                        : ReadConfigObject(ref reader, "'configs' must be an object of config name to value");
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        catch (JsonException e)
        {
            throw NotJson(e);
        }
        catch (InvalidOperationException e) when (e.InnerException is DecoderFallbackException)
        {
            throw NotUtf8();
        }

        if (name is null) throw ApiException.BadRequest("The field 'name' (the topic's name) is required");
        if (TopicNames.Validate(name) is { } nameProblem) throw new ApiException(ErrorCode.InvalidTopicException, nameProblem);
        ValidateConfigs(configs);
        return new CreateTopicRequest(name, partitions, replicationFactor, configs);
    }

    /// <summary>The body of PUT /v1/topics/{topic}/configs: a flat object of config name to value.</summary>
    public static IReadOnlyDictionary<string, string> ParseConfigs(ReadOnlySpan<byte> body)
    {
        Dictionary<string, string> configs;
        try
        {
            const string shape = "The request body must be a JSON object of config name to value, like {\"retention.ms\":\"60000\"}";
            var reader = StartObject(body, shape);
            configs = ReadConfigObject(ref reader, shape);
        }
        catch (JsonException e)
        {
            throw NotJson(e);
        }
        catch (InvalidOperationException e) when (e.InnerException is DecoderFallbackException)
        {
            throw NotUtf8();
        }
        ValidateConfigs(configs);
        return configs;
    }

    public static void ValidateConfigs(IReadOnlyDictionary<string, string> configs)
    {
        if (TopicConfig.Validate(configs) is { } problem) throw new ApiException(ErrorCode.InvalidConfig, problem);
    }

    private static Utf8JsonReader StartObject(ReadOnlySpan<byte> body, string shape)
    {
        if (body.Trim(" \t\r\n"u8).IsEmpty) throw ApiException.BadRequest("The request body is empty. " + shape);
        var reader = new Utf8JsonReader(body, isFinalBlock: true, new JsonReaderState(ReaderOptions));
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw ApiException.BadRequest(shape);
        // Check the whole document now, so that a broken one is refused before anything is decided.
        var check = reader;
        check.Skip();
        while (check.Read()) { }
        return reader;
    }

    /// <summary>At the StartObject of a config object: reads it to its end.</summary>
    private static Dictionary<string, string> ReadConfigObject(ref Utf8JsonReader reader, string shape)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw ApiException.BadRequest(shape);
        var configs = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            reader.Read();
            configs[key] = reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString()!,
                JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
                JsonTokenType.True => "true",
                JsonTokenType.False => "false",
                _ => throw new ApiException(ErrorCode.InvalidConfig,
                    $"Config '{key}' must have a string value, not {Describe(ref reader)}"),
            };
        }
        return configs;
    }

    private static int ReadCount(ref Utf8JsonReader reader, string field, int defaultValue, ErrorCode outOfRange)
    {
        if (reader.TokenType == JsonTokenType.Null) return defaultValue;
        if (reader.TokenType != JsonTokenType.Number)
            throw ApiException.BadRequest($"'{field}' must be an integer, not {Describe(ref reader)}");
        if (!reader.TryGetInt32(out var value))
            throw new ApiException(outOfRange, $"'{field}' is {Encoding.UTF8.GetString(reader.ValueSpan)}, which is not a valid count");
        return value;
    }

    private static ApiException NotJson(JsonException e) => ApiException.BadRequest($"The request body is not valid JSON: {e.Message}");

    private static ApiException NotUtf8() => ApiException.BadRequest("The request body has text that is not valid UTF-8");

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
