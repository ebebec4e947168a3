namespace Cluster.Bench.Nodes;

/// <summary>
/// N node processes on this machine, all seeded with each other, each with a temp data dir
/// (deleted at the end; the logs are kept under the run's directory).
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly string _root;

    private LocalCluster(string root, IReadOnlyList<LocalNode> nodes)
    {
        _root = root;
        Nodes = nodes;
    }

    public IReadOnlyList<LocalNode> Nodes { get; }
    public IReadOnlyList<Uri> Servers => Nodes.Select(n => n.BaseUri).ToArray();
    public string LogDirectory => Path.Combine(_root, "logs");

    public LocalNode ByBrokerId(int id) => Nodes.First(n => n.BrokerId == id);
    public LocalNode? ByUri(Uri uri) => Nodes.FirstOrDefault(n => n.HttpPort == uri.Port);

    public static async Task<LocalCluster> StartAsync(int count, string nodeDll, string? configFile, HttpClient http, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var root = Directory.CreateTempSubdirectory("cluster-bench-").FullName;
        var logs = Path.Combine(root, "logs");
        Directory.CreateDirectory(logs);
        var nodes = Enumerable.Range(1, count)
            .Select(id => new LocalNode(id, nodeDll, Path.Combine(root, $"data-b{id}"), logs, configFile, environment))
            .ToList();
        var seeds = nodes.Select(n => n.AkkaAddress).ToArray();
        foreach (var node in nodes) node.Seeds = seeds;
        var cluster = new LocalCluster(root, nodes);
        try
        {
            foreach (var node in nodes) node.Start();
            await Task.WhenAll(nodes.Select(n => n.WaitHealthyAsync(http, timeout)));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Graceful stop of every node still running, then the data dirs go.</summary>
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Nodes.Select(n => n.StopAsync(TimeSpan.FromSeconds(20))));
        foreach (var node in Nodes) node.Dispose();
        foreach (var node in Nodes)
        {
            try
            {
                if (Directory.Exists(node.DataDir)) Directory.Delete(node.DataDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>The node to run: --node-dll, CLUSTER_NODE_DLL, or src/Cluster.Node/bin/&lt;configuration&gt;/net10.0 of this checkout.</summary>
    public static string LocateNodeDll(string? given)
    {
        if (given is not null) return File.Exists(given) ? Path.GetFullPath(given) : throw new FileNotFoundException($"--node-dll {given} does not exist");
        if (Environment.GetEnvironmentVariable("CLUSTER_NODE_DLL") is { Length: > 0 } env)
            return File.Exists(env) ? env : throw new FileNotFoundException($"CLUSTER_NODE_DLL={env} does not exist");
        var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var tfm = bin.Name;
        var configuration = bin.Parent?.Name ?? "Release";
        for (var dir = bin; dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "Akka.Cluster.sln"))) continue;
            var dll = Path.Combine(dir.FullName, "src", "Cluster.Node", "bin", configuration, tfm, "Cluster.Node.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"The node is not built at {dll}: dotnet build -c {configuration} src/Cluster.Node");
        }
        throw new DirectoryNotFoundException("No Akka.Cluster.sln above the tool; pass --node-dll");
    }
}
