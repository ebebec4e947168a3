using Xunit;

namespace Cluster.Domain.Tests.MultiNode;

/// <summary>
/// Specs that run whole in-process clusters share this collection, so they run one after
/// another: two 3-node clusters at once on a 2-core machine would test the scheduler, not us.
/// </summary>
[CollectionDefinition(Name)]
public sealed class MultiNodeCollection
{
    public const string Name = "multi-node";
}
