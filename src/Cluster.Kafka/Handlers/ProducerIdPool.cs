using Cluster.Domain.Client;
using Cluster.Domain.Protocol;

namespace Cluster.Kafka.Handlers;

/// <summary>
/// Producer ids for idempotent producers (InitProducerId without a transactional id): taken
/// from the controller a block at a time (ids are unique across the cluster for ever) and
/// handed out one by one by this node, so a producer start costs no controller round trip.
/// As in Kafka, every such request gets a new id with epoch 0.
/// </summary>
public sealed class ProducerIdPool
{
    private readonly int _blockSize;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _next;
    private long _end;

    public ProducerIdPool(int blockSize) => _blockSize = Math.Max(1, blockSize);

    public async Task<(ErrorCode Error, long ProducerId)> NextAsync(BrokerGateway gateway, CancellationToken cancellation)
    {
        await _gate.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            if (_next >= _end)
            {
                var block = await gateway.AllocateProducerIdsAsync(_blockSize, cancellation).ConfigureAwait(false);
                if (block.Error != ErrorCode.None || block.Count <= 0)
                    return (block.Error == ErrorCode.None ? ErrorCode.CoordinatorNotAvailable : block.Error, -1);
                (_next, _end) = (block.FirstProducerId, block.FirstProducerId + block.Count);
            }
            return (ErrorCode.None, _next++);
        }
        finally
        {
            _gate.Release();
        }
    }
}
