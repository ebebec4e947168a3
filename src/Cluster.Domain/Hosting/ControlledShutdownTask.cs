using Akka.Actor;
using Akka.Event;
using Akka;
using Cluster.Domain.Controller;

namespace Cluster.Domain.Hosting;

/// <summary>
/// Kafka's controlled shutdown, as a CoordinatedShutdown task before the node leaves the
/// cluster: the controller first moves this broker's leaderships to other ISR members,
/// so producers switch leaders without waiting for failure detection.
/// </summary>
internal static class ControlledShutdownTask
{
    public static void Register(BrokerNode node)
    {
        var shutdown = CoordinatedShutdown.Get(node.System);
        shutdown.AddTask(CoordinatedShutdown.PhaseBeforeClusterShutdown, "controlled-shutdown", async () =>
        {
            var log = Logging.GetLogger(node.System, "controlled-shutdown");
            if (shutdown.ShutdownReason is CoordinatedShutdown.ClusterDowningReason) return Done.Instance;
            try
            {
                var result = await node.Controller.Ask<ControllerResult>(new ControlledShutdown(node.BrokerId), TimeSpan.FromSeconds(10));
                log.Info("Broker {0}: controlled shutdown done ({1})", node.BrokerId, result.Message);
                // Let the new leaders' first requests and our last answers cross before leaving.
                await Task.Delay(TimeSpan.FromMilliseconds(300));
            }
            catch (Exception e)
            {
                log.Warning("Broker {0}: controlled shutdown did not complete ({1}); leaving anyway", node.BrokerId, e.Message);
            }
            return Done.Instance;
        });
    }
}
