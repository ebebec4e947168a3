namespace Cluster.Kafka.Protocol;

/// <summary>
/// Encodes a request as a whole frame (size, request header v1/v2, body): the client side of
/// the protocol, used by tests and tools that talk to a listener directly.
/// </summary>
public static class KafkaRequestWriter
{
    public static void WriteFrame(KafkaWriter writer, RequestHeader header, IKafkaRequest request)
    {
        if (header.RequestApiKey != request.ApiKey)
            throw new ArgumentException($"Header says {header.RequestApiKey}, body is {request.ApiKey}", nameof(request));
        int start = writer.Position;
        writer.WriteInt32(0); // size, patched below
        header.Write(writer, ApiVersionsTable.RequestHeaderVersion(header.RequestApiKey, header.RequestApiVersion));
        request.Write(writer, header.RequestApiVersion);
        writer.PatchInt32(start, writer.Position - start - KafkaFrame.SizePrefixLength);
    }

    public static byte[] ToFrame(RequestHeader header, IKafkaRequest request)
    {
        using var w = new KafkaWriter();
        WriteFrame(w, header, request);
        return w.ToArray();
    }
}
