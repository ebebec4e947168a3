namespace Cluster.Domain.Serialization;

/// <summary>
/// Marker for every message that may cross nodes and every persisted event or snapshot:
/// HOCON binds it to <see cref="ClusterMessageSerializer"/>, so nothing of ours ever falls
/// back to the default JSON serializer.
/// </summary>
public interface IClusterMessage;
