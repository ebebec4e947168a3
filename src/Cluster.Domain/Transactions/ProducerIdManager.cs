using System.Runtime.CompilerServices;
using Akka.Actor;
using Cluster.Domain.Client;
using Cluster.Domain.Protocol;

namespace Cluster.Domain.Transactions;

/// <summary>
/// The node's producer ids (Kafka's ProducerIdManager): taken from the controller a block at a
/// time (ids are unique across the cluster for ever, the next free one is in the replicated
/// metadata) and handed out one by one, so a producer start costs no controller round trip.
/// One per ActorSystem, shared by every front door (HTTP's POST /v1/producers, the Kafka
/// listener's InitProducerId) and by the transaction coordinators: <see cref="For"/>.
/// Ids of a block not handed out before the node stops are never used: ids are plentiful.
/// </summary>
public sealed class ProducerIdManager
{
    private static readonly ConditionalWeakTable<ActorSystem, ProducerIdManager> BySystem = new();

    private readonly Func<int, CancellationToken, Task<(ErrorCode Error, long First, int Count)>> _allocate;
    private readonly int _blockSize;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _next;
    private long _end;

    public ProducerIdManager(Func<int, CancellationToken, Task<(ErrorCode Error, long First, int Count)>> allocate, int blockSize)
    {
        _allocate = allocate;
        _blockSize = Math.Max(1, blockSize);
    }

    public ProducerIdManager(BrokerGateway gateway, int blockSize) : this(async (count, cancellation) =>
    {
        var block = await gateway.AllocateProducerIdsAsync(count, cancellation).ConfigureAwait(false);
        return (block.Error, block.FirstProducerId, block.Count);
    }, blockSize)
    {
    }

    /// <summary>The node's manager, created with the gateway on first use.</summary>
    public static ProducerIdManager For(ActorSystem system, BrokerGateway gateway, int blockSize) =>
        BySystem.GetValue(system, _ => new ProducerIdManager(gateway, blockSize));

    /// <summary>The node's manager if one was created (by the transaction coordination's start).</summary>
    public static ProducerIdManager? Find(ActorSystem system) => BySystem.TryGetValue(system, out var manager) ? manager : null;

    /// <summary>A new producer id; COORDINATOR_NOT_AVAILABLE (retry) or the controller's error when no block can be had.</summary>
    public async Task<(ErrorCode Error, long ProducerId)> NextAsync(CancellationToken cancellation = default)
    {
        await _gate.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            if (_next >= _end)
            {
                var (error, first, count) = await _allocate(_blockSize, cancellation).ConfigureAwait(false);
                if (error != ErrorCode.None || count <= 0)
                    return (error is ErrorCode.None or ErrorCode.RequestTimedOut ? ErrorCode.CoordinatorNotAvailable : error, -1);
                (_next, _end) = (first, first + count);
            }
            return (ErrorCode.None, _next++);
        }
        finally
        {
            _gate.Release();
        }
    }
}
