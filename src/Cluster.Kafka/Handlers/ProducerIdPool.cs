using Cluster.Domain.Client;
using Cluster.Domain.Protocol;
using Cluster.Domain.Transactions;

namespace Cluster.Kafka.Handlers;

/// <summary>
/// Producer ids for idempotent producers (InitProducerId without a transactional id), from the
/// node's one <see cref="ProducerIdManager"/>, which the HTTP API (POST /v1/producers) and the
/// transaction coordinators share: blocks taken from the controller (ids are unique across the
/// cluster for ever), handed out one by one, so a producer start costs no controller round trip.
/// As in Kafka, every such request gets a new id with epoch 0.
/// </summary>
public sealed class ProducerIdPool
{
    private readonly int _blockSize;

    public ProducerIdPool(int blockSize) => _blockSize = Math.Max(1, blockSize);

    /// <summary>The block size applies only if this node's manager does not exist yet (the node creates it at start).</summary>
    public Task<(ErrorCode Error, long ProducerId)> NextAsync(BrokerGateway gateway, CancellationToken cancellation) =>
        ProducerIdManager.For(gateway.System, gateway, _blockSize).NextAsync(cancellation);
}
