using System.Runtime.Serialization;

namespace Cluster.Domain.Serialization;

/// <summary>
/// Type ↔ manifest ↔ codec table. Manifests are short and versioned ("R.Append1"): a new
/// wire shape gets a new manifest, and an unknown manifest throws SerializationException
/// so that a rolling upgrade drops the message instead of crashing.
/// </summary>
public sealed class CodecRegistry
{
    private readonly Dictionary<Type, (string Manifest, Action<WireWriter, object> Write)> _byType = new();
    private readonly Dictionary<string, Func<WireReader, object>> _byManifest = new(StringComparer.Ordinal);

    public CodecRegistry Add<T>(string manifest, Action<WireWriter, T> write, Func<WireReader, T> read)
        where T : notnull
    {
        if (!_byManifest.TryAdd(manifest, r => read(r)))
            throw new InvalidOperationException($"Manifest {manifest} registered twice");
        if (!_byType.TryAdd(typeof(T), (manifest, (w, o) => write(w, (T)o))))
            throw new InvalidOperationException($"Type {typeof(T)} registered twice");
        return this;
    }

    /// <summary>For singletons (messages with no fields).</summary>
    public CodecRegistry Add<T>(string manifest, T instance) where T : notnull =>
        Add<T>(manifest, (_, _) => { }, _ => instance);

    public string ManifestOf(object message) =>
        _byType.TryGetValue(message.GetType(), out var entry)
            ? entry.Manifest
            : throw new SerializationException($"No codec for {message.GetType()}");

    public void Write(WireWriter writer, object message)
    {
        if (!_byType.TryGetValue(message.GetType(), out var entry))
            throw new SerializationException($"No codec for {message.GetType()}");
        entry.Write(writer, message);
    }

    public object Read(string manifest, WireReader reader) =>
        _byManifest.TryGetValue(manifest, out var read)
            ? read(reader)
            : throw new SerializationException($"Unknown manifest '{manifest}'");

    public bool Knows(Type type) => _byType.ContainsKey(type);
}
