using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Cluster.Tools.Singleton;
using Akka.DistributedData;
using Cluster.Domain.Client;
using Cluster.Domain.Controller;
using Cluster.Domain.Replication;

namespace Cluster.Domain.Hosting;

/// <summary>
/// One incarnation of a broker: its ActorSystem and the actors every node runs (metadata
/// cache, replica manager, its own replica shard region, the controller singleton). A node
/// that the cluster downs gets a new BrokerNode in the same process (see Cluster.Node).
/// Also used, several per process, by the multi-node specs.
/// </summary>
public sealed class BrokerNode
{
    private BrokerNode(BrokerNodeSettings settings, ActorSystem system, MetadataView metadata, ReplicaRegions regions,
        IActorRef controller, BrokerGateway gateway, ReplicaReadiness replicas)
    {
        Replicas = replicas;
        Settings = settings;
        System = system;
        Metadata = metadata;
        Regions = regions;
        Controller = controller;
        Gateway = gateway;
    }

    public BrokerNodeSettings Settings { get; }
    public ActorSystem System { get; }
    public MetadataView Metadata { get; }

    /// <summary>Every local replica has recovered its log and taken its role.</summary>
    public ReplicaReadiness Replicas { get; }
    public ReplicaRegions Regions { get; }

    /// <summary>Proxy to the controller singleton, wherever it runs.</summary>
    public IActorRef Controller { get; }

    public BrokerGateway Gateway { get; }
    public int BrokerId => Settings.BrokerId;
    public Akka.Cluster.Cluster Cluster => Akka.Cluster.Cluster.Get(System);

    /// <summary>A cluster member that knows the cluster's metadata: it can serve requests.</summary>
    public bool IsReady =>
        !System.WhenTerminated.IsCompleted &&
        Cluster.SelfMember.Status == Akka.Cluster.MemberStatus.Up &&
        Metadata.IsConfirmed && Metadata.Current.Version > 0 &&
        Replicas.AllReplicasReady;

    public static BrokerNode Start(BrokerNodeSettings settings)
    {
        var config = NodeConfig.Build(settings);
        var setup = BootstrapSetup.Create().WithConfig(config).And(JournalStorage.Setup(settings, config));
        var system = ActorSystem.Create(NodeConfig.SystemName, setup);
        try
        {
            return StartActors(settings, system);
        }
        catch
        {
            system.Terminate().Wait(TimeSpan.FromSeconds(10));
            throw;
        }
    }

    private static BrokerNode StartActors(BrokerNodeSettings settings, ActorSystem system)
    {
        var config = system.Settings.Config;
        // The replicator must run on every node before anyone writes majority data.
        DistributedData.Get(system);
        JournalStorage.StartCheckpointers(system, settings);

        var metadata = new MetadataView();
        var cache = system.ActorOf(MetadataCache.Props(metadata), MetadataCache.Name);

        system.ActorOf(ClusterSingletonManager.Props(
                ControllerActor.Props(ControllerSettings.From(config)),
                PoisonPill.Instance,
                ClusterSingletonManagerSettings.Create(system).WithRole("broker")),
            "controller");
        var controller = system.ActorOf(ClusterSingletonProxy.Props("/user/controller",
            ClusterSingletonProxySettings.Create(system).WithRole("broker").WithBufferSize(10000)), "controller-proxy");

        var regions = new ReplicaRegions(system, settings.BrokerId);
        var readiness = new ReplicaReadiness();
        var replicaManager = system.ActorOf(ReplicaManager.Props(settings.BrokerId, () => regions.Local,
            config.GetTimeSpan("cluster-log.replica-manager.resync-interval"), readiness), ReplicaManager.Name);
        var addPartitionsToTxnManager = system.ActorOf(Transactions.AddPartitionsToTxnManager.Props(), Transactions.AddPartitionsToTxnManager.Name);
        var context = new ReplicaContext(ReplicaSettings.From(config), settings.BrokerId, regions, controller, replicaManager,
            addPartitionsToTxnManager);
        regions.StartLocal(entityId => PartitionReplica.Props(entityId, context));
        cache.Tell(new SubscribeMetadata(replicaManager));

        system.ActorOf(BrokerRegistrar.Props(controller, new BrokerRegistration(
            settings.BrokerId, settings.Hostname, settings.Port, settings.HttpPort, settings.KafkaPort,
            Akka.Cluster.Cluster.Get(system).SelfUniqueAddress.Uid)), "broker-registrar");

        var gateway = new BrokerGateway(system, metadata, regions, controller, GatewaySettings.From(config));
        Groups.GroupCoordination.Start(system, gateway, settings.BrokerId); // consumer groups; the API finds it with GroupCoordination.For(system)
        Transactions.TransactionCoordination.Start(system, gateway, settings.BrokerId); // producer ids and transactions: TransactionCoordination.For(system)
        var node = new BrokerNode(settings, system, metadata, regions, controller, gateway, readiness);
        ControlledShutdownTask.Register(node);
        return node;
    }

    /// <summary>Graceful stop: controlled shutdown, leave the cluster, stop the actor system.</summary>
    public Task StopAsync() => Akka.Actor.CoordinatedShutdown.Get(System).Run(Akka.Actor.CoordinatedShutdown.ClrExitReason.Instance);
}
