namespace Cluster.EndToEnd.Tests.Infrastructure;

/// <summary>
/// One node shared by a test collection (tests make their own topics with
/// <see cref="Topics.Unique"/>). Retention runs every 300 ms so that tests about the log
/// start do not wait the default 5 s.
/// </summary>
public sealed class SingleNodeFixture : IAsyncLifetime
{
    public const string TestHocon = "cluster-log.replica.retention-check-interval = 300ms\n";

    private NodeProcess? _node;

    public NodeProcess Node => _node ?? throw new InvalidOperationException("the node did not start");

    public HttpJson Http => Node.Http;

    public async Task InitializeAsync() =>
        _node = await NodeProcess.StartAsync(new NodeProcessOptions { Name = "api", ExtraHocon = TestHocon });

    public Task DisposeAsync()
    {
        _node?.Dispose();
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class SingleNodeCollection : ICollectionFixture<SingleNodeFixture>
{
    public const string Name = "single node";
}

public static class Topics
{
    /// <summary>A topic name no other test uses.</summary>
    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 249)];
}
