namespace Cluster.Kafka; internal static class AssemblyMarker {}
