using Akka.Actor;
using Akka.DistributedData;
using Akka.Event;

namespace Cluster.Domain.Controller;

/// <summary>Register for every newer metadata this node learns (answered with <see cref="MetadataUpdate"/>).</summary>
public sealed record SubscribeMetadata(IActorRef Subscriber);

/// <summary>
/// Every node's copy of the cluster metadata. It learns new versions two ways: the
/// controller's direct push right after each write (fast), and DistributedData's gossip
/// (catches anything a push lost); it keeps whichever is newest.
/// </summary>
public sealed class MetadataCache : ReceiveActor
{
    public const string Name = "metadata-cache";

    private readonly MetadataView _view;
    private readonly IActorRef _replicator = DistributedData.Get(Context.System).Replicator;
    private readonly List<IActorRef> _subscribers = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _confirmed;

    public MetadataCache(MetadataView view)
    {
        _view = view;
        Receive<MetadataUpdate>(update => Offer(update.Metadata, update.FromController));
        Receive<Changed>(changed => Offer(changed.Get(ControllerActor.MetadataKey).Value, false));
        Receive<GetSuccess>(success => Offer(success.Get(ControllerActor.MetadataKey).Value, false));
        Receive<NotFound>(_ => { });
        Receive<GetFailure>(_ => { });
        Receive<SubscribeMetadata>(subscribe =>
        {
            _subscribers.Add(subscribe.Subscriber);
            Context.Watch(subscribe.Subscriber);
            if (_view.Current.Version > 0) subscribe.Subscriber.Tell(new MetadataUpdate(_view.Current, _confirmed));
        });
        Receive<Terminated>(t => _subscribers.Remove(t.ActorRef));
    }

    public static Props Props(MetadataView view) => Akka.Actor.Props.Create(() => new MetadataCache(view));

    protected override void PreStart()
    {
        _replicator.Tell(Dsl.Subscribe(ControllerActor.MetadataKey, Self));
        _replicator.Tell(Dsl.Get(ControllerActor.MetadataKey, ReadLocal.Instance));
    }

    /// <summary>
    /// Keep the newest version. Until the controller has spoken to this node, what it knows
    /// may be its own stale durable copy: subscribers are told whether the controller (which
    /// loaded the metadata from a quorum) has confirmed it.
    /// </summary>
    private void Offer(ClusterMetadata metadata, bool fromController)
    {
        var newer = metadata.Version > _view.Current.Version;
        var confirmedNow = fromController && !_confirmed;
        if (fromController)
        {
            _confirmed = true;
            _view.Confirm();
        }
        if (!newer && !confirmedNow) return;
        if (newer)
        {
            _log.Debug("Metadata version {0}", metadata.Version);
            _view.Publish(metadata);
        }
        var update = new MetadataUpdate(_view.Current, _confirmed);
        foreach (var subscriber in _subscribers) subscriber.Tell(update);
    }
}
