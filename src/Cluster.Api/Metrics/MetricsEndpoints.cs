using Cluster.Domain.Metrics;
using Microsoft.AspNetCore.Builder;
using Prometheus;

namespace Cluster.Api.Metrics;

/// <summary>
/// GET /metrics: the broker's instruments (<see cref="BrokerMetrics"/>, the "cluster-log"
/// Meter) in Prometheus text format, through prometheus-net's MeterAdapter, plus the process's
/// own (CPU, memory, GC: prometheus-net's DotNetStats). A registry of our own rather than
/// prometheus-net's default one, which would also publish every other Meter and EventCounter
/// in the process (Kestrel, the runtime) under names we do not choose.
/// </summary>
public static class MetricsEndpoints
{
    public const string Path = "/metrics";

    private static readonly Lazy<CollectorRegistry> Registry = new(CreateRegistry);

    /// <summary>Starts listening at once: histogram samples taken before the listener exists are lost.</summary>
    public static void Map(WebApplication app) => app.MapMetrics(Path, Registry.Value);

    private static CollectorRegistry CreateRegistry()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        DotNetStats.Register(registry);
        MeterAdapter.StartListening(new MeterAdapterOptions
        {
            Registry = registry,
            // Without a factory of this registry the adapter writes into prometheus-net's default registry.
            MetricFactory = Prometheus.Metrics.WithCustomRegistry(registry),
            InstrumentFilterPredicate = instrument => instrument.Meter.Name == BrokerMetrics.MeterName,
            ResolveHistogramBuckets = _ => BrokerMetrics.LatencyBuckets,
        });
        return registry;
    }
}
