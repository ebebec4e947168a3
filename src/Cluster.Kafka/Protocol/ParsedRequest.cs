namespace Cluster.Kafka.Protocol;

/// <summary>
/// A decoded request: its header and its body (one of the <c>Messages/*Request</c> types).
/// <para>
/// <see cref="IsUnsupportedApiVersions"/> marks an ApiVersions request of a version we do not
/// speak: Kafka's rule (KIP-511) is to answer it anyway, with UNSUPPORTED_VERSION, at v0
/// (<see cref="ResponseVersion"/>), so that the client can retry at a version we know; its
/// body is not decoded.
/// </para>
/// </summary>
public sealed record ParsedRequest(RequestHeader Header, IKafkaRequest Request, bool IsUnsupportedApiVersions = false)
{
    public ApiKey ApiKey => Header.RequestApiKey;
    public short ApiVersion => Header.RequestApiVersion;
    public int CorrelationId => Header.CorrelationId;

    /// <summary>The version to write the response at: the request's, except 0 for an unsupported ApiVersions.</summary>
    public short ResponseVersion => IsUnsupportedApiVersions ? (short)0 : Header.RequestApiVersion;

    public void Deconstruct(out RequestHeader header, out IKafkaRequest request)
    {
        header = Header;
        request = Request;
    }
}
