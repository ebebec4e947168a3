using Akka.Actor;
using Akka.DistributedData;

namespace Cluster.Domain.Groups;

/// <summary>Which groups exist, for listing them (the CLI, the Kafka listener's ListGroups).</summary>
public interface IGroupRegistry
{
    /// <summary>Record that the group exists; true once a majority of nodes holds it.</summary>
    Task<bool> RegisterAsync(string groupId);

    Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellation = default);
}

/// <summary>
/// The group ids in a DistributedData ORSet (<c>consumer-groups</c>), durable like every key
/// of the node's replicator (hocon/ddata-durable.conf). A coordinator adds its group with
/// WriteMajority after its first successful write, and again whenever it loads a group that
/// exists; so a group listed here has records in <c>__consumer_offsets</c>, and a group with
/// records is listed as soon as its coordinator has run once. Chosen over scanning all of
/// <c>__consumer_offsets</c> per listing, which reads every partition from its start. Groups
/// are never removed (nothing deletes a group yet).
/// </summary>
public sealed class DistributedGroupRegistry : IGroupRegistry
{
    public static readonly ORSetKey<string> Key = new("consumer-groups");
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    private readonly IActorRef _replicator;
    private readonly Akka.Cluster.UniqueAddress _self;

    public DistributedGroupRegistry(ActorSystem system)
    {
        var ddata = DistributedData.Get(system);
        _replicator = ddata.Replicator;
        _self = Akka.Cluster.Cluster.Get(system).SelfUniqueAddress;
    }

    public async Task<bool> RegisterAsync(string groupId)
    {
        try
        {
            var response = await _replicator.Ask<IUpdateResponse>(
                Dsl.Update(Key, ORSet<string>.Empty, new WriteMajority(Timeout), set => set.Add(_self, groupId)),
                Timeout + TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            return response.IsSuccessful;
        }
        catch (AskTimeoutException)
        {
            return false;
        }
    }

    public async Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellation = default)
    {
        var groups = await ReadAsync(new ReadMajority(Timeout), cancellation).ConfigureAwait(false)
                     ?? await ReadAsync(ReadLocal.Instance, cancellation).ConfigureAwait(false);
        return (groups ?? Array.Empty<string>()).Order(StringComparer.Ordinal).ToList();
    }

    private async Task<IReadOnlyCollection<string>?> ReadAsync(IReadConsistency consistency, CancellationToken cancellation)
    {
        try
        {
            var response = await _replicator.Ask<IGetResponse>(Dsl.Get(Key, consistency), Timeout + TimeSpan.FromSeconds(1), cancellation)
                .ConfigureAwait(false);
            return response switch
            {
                GetSuccess success => success.Get(Key).Elements.ToList(),
                NotFound => Array.Empty<string>(),
                _ => null,
            };
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }
}
