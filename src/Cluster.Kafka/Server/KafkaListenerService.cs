using System.Net;
using System.Net.Sockets;
using Akka.Configuration;
using Cluster.Domain.Hosting;
using Cluster.Kafka.Handlers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cluster.Kafka.Server;

/// <summary>Runs the Kafka listener with the node process: bound at start-up (a taken port fails the start), closed at shutdown.</summary>
public sealed class KafkaListenerService : IHostedService
{
    private readonly KafkaListener _listener;
    private readonly KafkaAdvertisedEndpoint _advertised;
    private readonly ILogger _logger;

    public KafkaListenerService(KafkaAdvertisedEndpoint advertised, Func<BrokerNode?> node, KafkaListenerSettings settings, ILogger<KafkaListener> logger)
    {
        _advertised = advertised;
        _logger = logger;
        var endpoint = new IPEndPoint(ResolveBindAddress(advertised.Host), advertised.Port);
        _listener = new KafkaListener(endpoint, new KafkaRequestHandler(node, advertised, settings), settings, logger);
    }

    public KafkaListener Listener => _listener;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _listener.Start();
        _logger.LogInformation("Broker {BrokerId}: Kafka listener on {Endpoint}, advertised as {Host}:{Port}",
            _advertised.BrokerId, _listener.LocalEndPoint, _advertised.Host, _advertised.Port);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => _listener.StopAsync();

    /// <summary>The address to bind for a host name: itself when it is an IP address, else its first IPv4 address.</summary>
    public static IPAddress ResolveBindAddress(string host) =>
        IPAddress.TryParse(host, out var ip)
            ? ip
            : Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
              ?? Dns.GetHostAddresses(host).First();
}

public static class KafkaListenerServiceCollectionExtensions
{
    /// <summary>
    /// Adds the Kafka listener of issue 9: it binds and advertises <paramref name="host"/>:<paramref name="port"/>
    /// and serves requests with whatever broker incarnation <paramref name="node"/> returns at the time.
    /// </summary>
    public static IServiceCollection AddKafkaListener(this IServiceCollection services, int brokerId, string host, int port, Config config,
        Func<IServiceProvider, Func<BrokerNode?>> node)
    {
        var settings = KafkaListenerSettings.From(config);
        services.AddSingleton(sp => new KafkaListenerService(new KafkaAdvertisedEndpoint(brokerId, host, port), node(sp), settings,
            sp.GetRequiredService<ILogger<KafkaListener>>()));
        services.AddHostedService(sp => sp.GetRequiredService<KafkaListenerService>());
        return services;
    }
}
