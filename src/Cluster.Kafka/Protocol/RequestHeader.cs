using Cluster.Domain.Protocol;

namespace Cluster.Kafka.Protocol;

/// <summary>
/// Kafka's request header. v0 has no ClientId (only ControlledShutdown v0 used it, which we
/// do not serve, but the format is kept for completeness); v1 adds ClientId; v2 (requests
/// at a flexible version) appends tagged fields. ClientId stays an int16-length string even
/// in v2, so that a broker can read the header of an ApiVersions request of any version.
/// </summary>
public sealed record RequestHeader(ApiKey RequestApiKey, short RequestApiVersion, int CorrelationId, string? ClientId)
{
    /// <summary>Reads a header whose version follows from its own api key and version.</summary>
    /// <exception cref="KafkaProtocolException">Truncated, or an API key we do not serve (the
    /// exception carries the partial header so the listener can log the correlation id).</exception>
    public static RequestHeader Read(ref KafkaReader reader)
    {
        var apiKey = (ApiKey)reader.ReadInt16();
        short apiVersion = reader.ReadInt16();
        int correlationId = reader.ReadInt32();
        string? clientId = reader.ReadNullableString();
        var header = new RequestHeader(apiKey, apiVersion, correlationId, clientId);
        if (!ApiVersionsTable.TryGet(apiKey, out var range))
            throw new KafkaProtocolException($"Unknown API key {(short)apiKey}", ErrorCode.UnsupportedVersion, header);
        if (range.IsFlexible(apiVersion)) reader.SkipTaggedFields();
        return header;
    }

    /// <summary>Reads a header of an explicit header version (0, 1 or 2).</summary>
    public static RequestHeader Read(ref KafkaReader reader, short headerVersion)
    {
        var apiKey = (ApiKey)reader.ReadInt16();
        short apiVersion = reader.ReadInt16();
        int correlationId = reader.ReadInt32();
        string? clientId = headerVersion >= 1 ? reader.ReadNullableString() : null;
        if (headerVersion >= 2) reader.SkipTaggedFields();
        return new RequestHeader(apiKey, apiVersion, correlationId, clientId);
    }

    public void Write(KafkaWriter writer, short headerVersion)
    {
        writer.WriteInt16((short)RequestApiKey);
        writer.WriteInt16(RequestApiVersion);
        writer.WriteInt32(CorrelationId);
        if (headerVersion >= 1) writer.WriteNullableString(ClientId);
        if (headerVersion >= 2) writer.WriteEmptyTaggedFields();
    }
}

/// <summary>Kafka's response header: v0 is the correlation id, v1 (flexible) adds tagged fields.</summary>
public readonly record struct ResponseHeader(int CorrelationId)
{
    public static ResponseHeader Read(ref KafkaReader reader, short headerVersion)
    {
        int correlationId = reader.ReadInt32();
        if (headerVersion >= 1) reader.SkipTaggedFields();
        return new ResponseHeader(correlationId);
    }

    public void Write(KafkaWriter writer, short headerVersion)
    {
        writer.WriteInt32(CorrelationId);
        if (headerVersion >= 1) writer.WriteEmptyTaggedFields();
    }
}
