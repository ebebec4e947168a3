namespace Cluster.Kafka.Protocol;

/// <summary>
/// Encodes a response as a whole frame: int32 size, response header (v0, or v1 at flexible
/// versions; always v0 for ApiVersions) and body.
/// </summary>
public static class KafkaResponseWriter
{
    /// <summary>Appends the frame of <paramref name="response"/> at <paramref name="apiVersion"/> to <paramref name="writer"/>.</summary>
    public static void WriteFrame(KafkaWriter writer, ResponseHeader header, IKafkaResponse response, short apiVersion)
    {
        int start = writer.Position;
        writer.WriteInt32(0); // size, patched below
        header.Write(writer, ApiVersionsTable.ResponseHeaderVersion(response.ApiKey, apiVersion));
        response.Write(writer, apiVersion);
        writer.PatchInt32(start, writer.Position - start - KafkaFrame.SizePrefixLength);
    }

    /// <summary>Appends the frame answering <paramref name="request"/>, at the version it calls for.</summary>
    public static void WriteFrame(KafkaWriter writer, ParsedRequest request, IKafkaResponse response)
    {
        if (response.ApiKey != request.ApiKey)
            throw new ArgumentException($"A {response.ApiKey} response cannot answer a {request.ApiKey} request", nameof(response));
        WriteFrame(writer, new ResponseHeader(request.CorrelationId), response, request.ResponseVersion);
    }

    public static byte[] ToFrame(ResponseHeader header, IKafkaResponse response, short apiVersion)
    {
        using var w = new KafkaWriter();
        WriteFrame(w, header, response, apiVersion);
        return w.ToArray();
    }

    public static byte[] ToFrame(ParsedRequest request, IKafkaResponse response)
    {
        using var w = new KafkaWriter();
        WriteFrame(w, request, response);
        return w.ToArray();
    }
}
