using Cluster.Domain.Hosting;
using Cluster.Domain.Protocol;
using Cluster.Kafka.Protocol;
using Cluster.Kafka.Protocol.Messages;
using Cluster.Kafka.Server;

namespace Cluster.Kafka.Handlers;

/// <summary>The Kafka listener's own address, as clients must use it (the node's --hostname and --kafka-port).</summary>
public sealed record KafkaAdvertisedEndpoint(int BrokerId, string Host, int Port);

/// <summary>A broker that is not (yet, or any more) a cluster member cannot serve the request.</summary>
public sealed class KafkaNodeUnavailableException(string message) : Exception(message);

/// <summary>
/// Answers every decoded request against the broker incarnation running in this process,
/// resolved per request (it changes when the node rejoins the cluster).
/// </summary>
public sealed class KafkaRequestHandler : IKafkaRequestHandler
{
    private static readonly TimeSpan ReadyWait = TimeSpan.FromSeconds(5);

    private readonly Func<BrokerNode?> _node;
    private readonly KafkaAdvertisedEndpoint _self;
    private readonly KafkaListenerSettings _settings;
    private readonly ProducerIdPool _producerIds;

    public KafkaRequestHandler(Func<BrokerNode?> node, KafkaAdvertisedEndpoint self, KafkaListenerSettings settings)
    {
        _node = node;
        _self = self;
        _settings = settings;
        _producerIds = new ProducerIdPool(settings.ProducerIdBlockSize);
    }

    public ValueTask<IKafkaResponse?> HandleAsync(ParsedRequest request, CancellationToken cancellation)
    {
        switch (request.Request)
        {
            case ApiVersionsRequest:
                return new(request.IsUnsupportedApiVersions ? ApiVersionsResponse.UnsupportedVersion() : ApiVersionsResponse.FromTable());
            case MetadataRequest metadata when Ready() is null:
                return new(NotReadyMetadata(metadata));
        }
        var node = Ready();
        return node is not null ? DispatchAsync(node, request, cancellation) : WaitThenDispatchAsync(request, cancellation);
    }

    private BrokerNode? Ready() => _node() is { IsReady: true } node ? node : null;

    private async ValueTask<IKafkaResponse?> WaitThenDispatchAsync(ParsedRequest request, CancellationToken cancellation)
    {
        // Joining or rejoining the cluster takes seconds: hold the request rather than fail it.
        var deadline = DateTime.UtcNow + ReadyWait;
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, cancellation).ConfigureAwait(false);
            if (Ready() is { } node) return await DispatchAsync(node, request, cancellation).ConfigureAwait(false);
        }
        throw new KafkaNodeUnavailableException($"Broker {_self.BrokerId} is not a cluster member yet");
    }

    private ValueTask<IKafkaResponse?> DispatchAsync(BrokerNode node, ParsedRequest request, CancellationToken cancellation)
    {
        var gateway = node.Gateway;
        var version = request.ApiVersion;
        switch (request.Request)
        {
            case MetadataRequest metadata:
                return new(MetadataHandler.Handle(metadata, version, gateway.Metadata, BrokerDirectory.LiveBrokers(node), BrokerDirectory.ControllerId(node)));
            case ProduceRequest produce:
                return Upcast(ProduceHandler.HandleAsync(gateway, produce, version,
                    produce.TransactionalId is null ? null : TransactionHandler.Coordination(node)));
            case FetchRequest fetch:
                return Upcast(FetchHandler.HandleAsync(gateway, fetch, _settings, cancellation));
            case ListOffsetsRequest listOffsets:
                return Upcast(ListOffsetsHandler.HandleAsync(gateway, listOffsets, cancellation));
            case CreateTopicsRequest create:
                return Upcast(TopicAdminHandler.CreateAsync(gateway, create, _settings, BrokerDirectory.LiveBrokers(node).Count, cancellation));
            case DeleteTopicsRequest delete:
                return Upcast(TopicAdminHandler.DeleteAsync(gateway, delete, cancellation));
            case DescribeConfigsRequest describe:
                return new(TopicAdminHandler.DescribeConfigs(describe, version, gateway.Metadata, BrokerDirectory.LiveBrokers(node).Count));
            case InitProducerIdRequest { TransactionalId: null }:
                return Upcast(InitIdempotentProducerAsync(node, cancellation));
            case FindCoordinatorRequest find:
                return new(GroupHandler.FindCoordinator(find, version, _self, TransactionHandler.Coordination(node) is not null));
        }

        // Transactions (issue 8), when the node runs the transaction coordinator.
        if (TransactionHandler.Coordination(node) is { } transactions)
        {
            switch (request.Request)
            {
                case InitProducerIdRequest init:
                    return Upcast(TransactionHandler.InitProducerIdAsync(transactions, init, cancellation));
                case AddPartitionsToTxnRequest add:
                    return Upcast(TransactionHandler.AddPartitionsAsync(transactions, node, add, cancellation));
                case AddOffsetsToTxnRequest addOffsets:
                    return Upcast(TransactionHandler.AddOffsetsAsync(transactions, addOffsets, cancellation));
                case EndTxnRequest end:
                    return Upcast(TransactionHandler.EndAsync(transactions, end, cancellation));
                case TxnOffsetCommitRequest commit when GroupHandler.Coordination(node) is { } groupsForTxn:
                    return Upcast(TransactionHandler.TxnOffsetCommitAsync(transactions, groupsForTxn, commit, cancellation));
            }
        }

        // Consumer groups (issue 7), when the node runs the group coordinator.
        if (GroupHandler.Coordination(node) is { } groups)
        {
            switch (request.Request)
            {
                case JoinGroupRequest join:
                    return Upcast(GroupHandler.JoinAsync(groups, join, request.Header.ClientId, cancellation));
                case SyncGroupRequest sync:
                    return Upcast(GroupHandler.SyncAsync(groups, sync, cancellation));
                case HeartbeatRequest heartbeat:
                    return Upcast(GroupHandler.HeartbeatAsync(groups, heartbeat, cancellation));
                case LeaveGroupRequest leave:
                    return Upcast(GroupHandler.LeaveAsync(groups, leave, version, cancellation));
                case OffsetCommitRequest commit:
                    return Upcast(GroupHandler.CommitAsync(groups, commit, cancellation));
                case OffsetFetchRequest fetchOffsets:
                    return Upcast(GroupHandler.FetchOffsetsAsync(groups, fetchOffsets, version, cancellation));
                case DescribeGroupsRequest describeGroups:
                    return Upcast(GroupHandler.DescribeAsync(groups, describeGroups, cancellation));
                case ListGroupsRequest listGroups:
                    return Upcast(GroupHandler.ListAsync(groups, listGroups, cancellation));
            }
        }

        switch (request.Request)
        {
            default:
                return new(CoordinatorUnavailable.For(request)
                           ?? throw new InvalidOperationException($"No handler for {request.ApiKey}"));
        }
    }

    private async ValueTask<InitProducerIdResponse> InitIdempotentProducerAsync(BrokerNode node, CancellationToken cancellation)
    {
        var (error, producerId) = await _producerIds.NextAsync(node.Gateway, cancellation).ConfigureAwait(false);
        // Whatever kept the controller from answering, clients retry on COORDINATOR_NOT_AVAILABLE.
        return error == ErrorCode.None
            ? new InitProducerIdResponse { ProducerId = producerId, ProducerEpoch = 0 }
            : new InitProducerIdResponse { ErrorCode = ErrorCode.CoordinatorNotAvailable, ProducerId = -1, ProducerEpoch = -1 };
    }

    /// <summary>Before the node is a member: only this broker, and every asked topic without a leader yet.</summary>
    private MetadataResponse NotReadyMetadata(MetadataRequest request) => new()
    {
        Brokers = [new MetadataResponseBroker { NodeId = _self.BrokerId, Host = _self.Host, Port = _self.Port }],
        ControllerId = -1,
        Topics = (request.Topics ?? [])
            .Select(t => new MetadataResponseTopic { Name = t.Name, TopicId = t.TopicId, ErrorCode = ErrorCode.LeaderNotAvailable })
            .ToList(),
    };

    private static async ValueTask<IKafkaResponse?> Upcast<T>(ValueTask<T> task) where T : IKafkaResponse? => await task.ConfigureAwait(false);
}
