using Cluster.Api;
using Cluster.Domain.Hosting;

namespace Cluster.Node;

/// <summary>
/// Keeps a broker running in this process. Akka never lets a downed ActorSystem rejoin, so
/// when the cluster removes this node (it was cut off or paused too long) the supervisor
/// builds a new one with the same settings and joins again; the replicas recover from the
/// local journal and catch up like any returning replica. Only a requested stop ends it.
/// </summary>
public sealed class BrokerSupervisor : IBrokerNodeAccessor, IHostedService
{
    private static readonly TimeSpan RestartDelay = TimeSpan.FromSeconds(1);

    private readonly BrokerNodeSettings _settings;
    private readonly ILogger<BrokerSupervisor> _log;
    private readonly CancellationTokenSource _stopping = new();
    private volatile BrokerNode? _current;
    private Task _watch = Task.CompletedTask;

    public BrokerSupervisor(BrokerNodeSettings settings, ILogger<BrokerSupervisor> log)
    {
        _settings = settings;
        _log = log;
    }

    public BrokerNode? Current => _current;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // The first start fails the process (bad storage, port taken): better a clear exit than a loop.
        _current = BrokerNode.Start(_settings);
        _watch = WatchAsync();
        return Task.CompletedTask;
    }

    private async Task WatchAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            var node = _current!;
            await Task.WhenAny(node.System.WhenTerminated, Task.Delay(Timeout.Infinite, _stopping.Token)).ConfigureAwait(false);
            if (_stopping.IsCancellationRequested) return;
            _current = null;
            _log.LogWarning("Broker {BrokerId}: the actor system stopped (removed from the cluster); joining again with a new one",
                _settings.BrokerId);
            while (!_stopping.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(RestartDelay, _stopping.Token).ConfigureAwait(false);
                    _current = BrokerNode.Start(_settings);
                    break;
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (Exception e)
                {
                    _log.LogError(e, "Broker {BrokerId}: could not start again; retrying", _settings.BrokerId);
                }
            }
        }
    }

    /// <summary>SIGTERM / Ctrl-C: controlled shutdown, leave the cluster, stop.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        var node = _current;
        if (node is not null)
        {
            _log.LogInformation("Broker {BrokerId}: stopping (controlled shutdown, then leaving the cluster)", _settings.BrokerId);
            await node.StopAsync().ConfigureAwait(false);
            await node.System.WhenTerminated.ConfigureAwait(false);
        }
        await _watch.ConfigureAwait(false);
    }
}
