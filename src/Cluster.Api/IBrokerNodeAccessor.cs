using Cluster.Domain.Hosting;

namespace Cluster.Api;

/// <summary>
/// The broker incarnation currently running in this process. It changes when the cluster
/// downs this node and the process joins again with a new ActorSystem; null in between.
/// </summary>
public interface IBrokerNodeAccessor
{
    BrokerNode? Current { get; }
}
