namespace Cluster.Domain.Log;

// A null Value is a header whose value length is -1 on the wire, distinct from an empty value.
public readonly record struct RecordHeader(string Key, ReadOnlyMemory<byte>? Value)
{
    // A byte[] variable that holds null would otherwise convert to an empty, non-null memory.
    public static RecordHeader Of(string key, byte[]? value) =>
        new(key, value is null ? (ReadOnlyMemory<byte>?)null : value);
}
