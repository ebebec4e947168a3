using Akka.Actor;
using Akka.Serialization;

namespace Cluster.Domain.Serialization;

/// <summary>
/// The one serializer for everything of ours that crosses nodes or is persisted (bound to
/// <see cref="IClusterMessage"/> in hocon/base.conf).
/// </summary>
public sealed class ClusterMessageSerializer : SerializerWithStringManifest
{
    public const int Id = 7070;

    private static readonly CodecRegistry Registry = Build();

    public ClusterMessageSerializer(ExtendedActorSystem system) : base(system) { }

    public override int Identifier => Id;

    private static CodecRegistry Build()
    {
        var registry = new CodecRegistry();
        CoreCodecs.Register(registry);
        foreach (var module in ExtraModules) module(registry);
        return registry;
    }

    /// <summary>Codec sets of other areas (groups, transactions) add themselves here.</summary>
    private static IEnumerable<Action<CodecRegistry>> ExtraModules => new Action<CodecRegistry>[] { Groups.GroupCodecs.Register, Transactions.TransactionCodecs.Register };

    public static bool CanSerialize(Type type) => Registry.Knows(type);

    public override string Manifest(object o) => Registry.ManifestOf(o);

    public override byte[] ToBinary(object obj)
    {
        // The hot path: a batch is persisted as its own bytes, without a copy.
        if (obj is Log.BatchAppended appended) return appended.Batch;
        var writer = new WireWriter();
        Registry.Write(writer, obj);
        return writer.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest) =>
        manifest == BatchManifest
            ? new Log.BatchAppended(bytes)
            : Registry.Read(manifest, new WireReader(bytes) { System = system });

    private static readonly string BatchManifest = Registry.ManifestOf(new Log.BatchAppended(Array.Empty<byte>()));
}
