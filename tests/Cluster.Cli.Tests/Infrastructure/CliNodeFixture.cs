using Cluster.EndToEnd.Tests.Infrastructure;

namespace Cluster.Cli.Tests.Infrastructure;

/// <summary>One node process shared by the CLI tests; every test makes its own topics (<see cref="Topics.Unique"/>).</summary>
[CollectionDefinition(Name)]
public sealed class CliNodeCollection : ICollectionFixture<SingleNodeFixture>
{
    public const string Name = "cli node";
}
