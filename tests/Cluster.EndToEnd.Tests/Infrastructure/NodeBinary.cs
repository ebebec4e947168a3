namespace Cluster.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Where the built node is: <c>src/Cluster.Node/bin/&lt;Configuration&gt;/net10.0/Cluster.Node.dll</c> of the
/// same checkout and configuration as this test assembly (the project reference builds it
/// first), or <c>CLUSTER_NODE_DLL</c> when set.
/// </summary>
public static class NodeBinary
{
    private static readonly Lazy<string> Dll = new(Locate);

    public static string Path => Dll.Value;

    /// <summary>The dotnet host running these tests (set by the SDK), else the one on PATH.</summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static string Locate()
    {
        if (Environment.GetEnvironmentVariable("CLUSTER_NODE_DLL") is { Length: > 0 } overridden)
            return File.Exists(overridden) ? overridden : throw new FileNotFoundException($"CLUSTER_NODE_DLL={overridden} does not exist");

        // bin/<Configuration>/<tfm>/ of this assembly.
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(System.IO.Path.DirectorySeparatorChar));
        var tfm = testBin.Name;
        var configuration = testBin.Parent?.Name ?? "Debug";
        for (var dir = testBin; dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(System.IO.Path.Combine(dir.FullName, "Akka.Cluster.sln"))) continue;
            var dll = System.IO.Path.Combine(dir.FullName, "src", "Cluster.Node", "bin", configuration, tfm, "Cluster.Node.dll");
            return File.Exists(dll)
                ? dll
                : throw new FileNotFoundException($"The node is not built at {dll}: run dotnet build -c {configuration} first");
        }
        throw new DirectoryNotFoundException($"No Akka.Cluster.sln above {testBin.FullName}; set CLUSTER_NODE_DLL");
    }
}
