using Cluster.Domain.Protocol;

namespace Cluster.Kafka.Protocol;

/// <summary>
/// The one exception the protocol layer raises for anything a peer sent that we cannot
/// decode: truncated or malformed bytes, lengths that do not fit the frame, an unknown API
/// key or an unsupported version. The listener catches exactly this type and closes only
/// the offending connection (as Kafka does), so nothing else may escape from decoding.
/// </summary>
public sealed class KafkaProtocolException : Exception
{
    public KafkaProtocolException(string message, ErrorCode errorCode = ErrorCode.CorruptMessage,
        RequestHeader? header = null)
        : base(message)
    {
        ErrorCode = errorCode;
        Header = header;
    }

    /// <summary>The Kafka error this maps to: <see cref="ErrorCode.UnsupportedVersion"/> for an
    /// unknown API key or version, <see cref="ErrorCode.InvalidRequest"/> for a frame over the
    /// size limit, <see cref="ErrorCode.CorruptMessage"/> for bytes that do not decode.</summary>
    public ErrorCode ErrorCode { get; }

    /// <summary>The request header, when it could be read before the failure (useful for logs).</summary>
    public RequestHeader? Header { get; }
}
