using Akka.Actor;
using Akka.Event;
using Cluster.Domain.Controller;

namespace Cluster.Domain.Hosting;

/// <summary>
/// Tells the controller where this broker can be reached (its Akka, HTTP and Kafka ports),
/// and keeps asking until the controller has written it down.
/// </summary>
internal sealed class BrokerRegistrar : ReceiveActor, IWithTimers
{
    private sealed class Attempt
    {
        public static readonly Attempt Instance = new();
    }

    public BrokerRegistrar(IActorRef controller, BrokerRegistration registration)
    {
        var log = Context.GetLogger();
        Receive<Attempt>(_ => controller.Tell(new RegisterBroker(registration)));
        Receive<ControllerResult>(result =>
        {
            if (!result.Ok) return;
            log.Info("Broker {0} registered with the controller (metadata version {1})", registration.BrokerId, result.MetadataVersion);
            Timers.CancelAll();
        });
    }

    public static Props Props(IActorRef controller, BrokerRegistration registration) =>
        Akka.Actor.Props.Create(() => new BrokerRegistrar(controller, registration));

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        Self.Tell(Attempt.Instance);
        Timers.StartPeriodicTimer("attempt", Attempt.Instance, TimeSpan.FromSeconds(2));
    }
}
