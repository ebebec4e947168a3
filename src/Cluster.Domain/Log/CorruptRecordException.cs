namespace Cluster.Domain.Log;

// The one exception that decoding malformed batch bytes may throw; the Kafka listener maps it to
// CORRUPT_MESSAGE. Anything else escaping the decoder is a bug.
public sealed class CorruptRecordException : Exception
{
    public CorruptRecordException(string message) : base(message) { }

    public CorruptRecordException(string message, Exception inner) : base(message, inner) { }
}
