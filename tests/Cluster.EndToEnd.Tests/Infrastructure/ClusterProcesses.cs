namespace Cluster.EndToEnd.Tests.Infrastructure;

/// <summary>
/// N node processes forming one cluster: brokers 1..N on free loopback ports, every one
/// given the same seed list (all of them, as the contract asks), each with its own data dir.
/// Nodes are started together; a node can then be stopped, killed, paused or restarted alone.
/// </summary>
public sealed class ClusterProcesses : IAsyncDisposable, IDisposable
{
    private ClusterProcesses(IReadOnlyList<NodeProcess> nodes) => Nodes = nodes;

    public IReadOnlyList<NodeProcess> Nodes { get; }

    public NodeProcess Broker(int brokerId) => Nodes.Single(n => n.BrokerId == brokerId);

    /// <summary>The first node that is running: where a test sends requests that any node can answer.</summary>
    public NodeProcess AnyRunning => Nodes.First(n => n.IsRunning);

    /// <param name="configure">Adjusts each node's options (the seed list and ports are already set).</param>
    public static async Task<ClusterProcesses> StartAsync(int count, Func<NodeProcessOptions, NodeProcessOptions>? configure = null,
        string name = "cluster", TimeSpan? timeout = null)
    {
        var akkaPorts = Enumerable.Range(0, count).Select(_ => FreePorts.Next()).ToArray();
        var seeds = akkaPorts.Select(p => $"127.0.0.1:{p}").ToArray();
        var nodes = new List<NodeProcess>();
        var cluster = new ClusterProcesses(nodes);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var options = new NodeProcessOptions { BrokerId = i + 1, AkkaPort = akkaPorts[i], SeedNodes = seeds, Name = name };
                nodes.Add(new NodeProcess(configure is null ? options : configure(options)));
            }
            await Task.WhenAll(nodes.Select(n => n.StartAsync(waitUntilHealthy: false)));
            await Task.WhenAll(nodes.Select(n => n.WaitUntilHealthyAsync(timeout ?? NodeProcess.DefaultStartTimeout)));
            await cluster.WaitForBrokersAsync(count, timeout ?? NodeProcess.DefaultStartTimeout);
            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    /// <summary>Waits until GET /v1/cluster on a running node shows <paramref name="upCount"/> brokers "up".</summary>
    public async Task WaitForBrokersAsync(int upCount, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonResponse? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await AnyRunning.Http.GetAsync("/v1/cluster", TimeSpan.FromSeconds(5));
                if (last.Status == 200 &&
                    last["brokers"].EnumerateArray().Count(b => b.GetProperty("status").GetString() == "up") >= upCount)
                    return;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"{upCount} brokers were not up within {timeout.TotalSeconds} s; last /v1/cluster: {last}");
    }

    public void Dispose()
    {
        foreach (var node in Nodes) node.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
