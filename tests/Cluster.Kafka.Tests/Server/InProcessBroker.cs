using System.Net;
using System.Net.Sockets;
using Cluster.Domain.Hosting;
using Cluster.Kafka.Handlers;
using Cluster.Kafka.Server;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cluster.Kafka.Tests.Server;

/// <summary>
/// A one-node cluster in this test process (a real BrokerNode on SQLite in a temp folder) with
/// the real Kafka listener and request handler in front of it.
/// </summary>
public sealed class InProcessBroker : IAsyncLifetime
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "cluster-kafka-tests", Guid.NewGuid().ToString("N"));

    public BrokerNode Node { get; private set; } = null!;
    public KafkaListener Listener { get; private set; } = null!;
    public IPEndPoint Endpoint => Listener.LocalEndPoint;

    public async Task InitializeAsync()
    {
        var kafkaPort = FreePort();
        Node = BrokerNode.Start(new BrokerNodeSettings
        {
            BrokerId = 1,
            Port = FreePort(),
            HttpPort = 0,
            KafkaPort = kafkaPort,
            DataDir = _dataDir,
            ExtraHocon = "akka.loglevel = WARNING\n",
        });
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!Node.IsReady && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.True(Node.IsReady, "the in-process broker did not become ready");

        var settings = new KafkaListenerSettings { MaxFrameSize = 1024 * 1024 };
        var handler = new KafkaRequestHandler(() => Node, new KafkaAdvertisedEndpoint(1, "127.0.0.1", kafkaPort), settings);
        Listener = new KafkaListener(new IPEndPoint(IPAddress.Loopback, kafkaPort), handler, settings, NullLogger.Instance);
        Listener.Start();
    }

    public async Task DisposeAsync()
    {
        await Listener.DisposeAsync();
        await Node.System.Terminate();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
