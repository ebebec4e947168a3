using System.Net;
using System.Net.Sockets;

namespace Cluster.EndToEnd.Tests.Infrastructure;

/// <summary>Loopback ports that are free now and never handed out twice in this test run.</summary>
public static class FreePorts
{
    private static readonly HashSet<int> Given = new();

    public static int Next()
    {
        while (true)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            lock (Given)
                if (Given.Add(port)) return port;
        }
    }
}
