using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Cluster.Kafka.Server;

/// <summary>
/// The TCP side of the Kafka door: accepts connections on one endpoint and runs one
/// <see cref="KafkaConnection"/> per client. Whatever a client sends, only its own
/// connection is affected; nothing a peer does can stop the accept loop.
/// </summary>
public sealed class KafkaListener : IAsyncDisposable
{
    private readonly IPEndPoint _endpoint;
    private readonly IKafkaRequestHandler _handler;
    private readonly KafkaListenerSettings _settings;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<KafkaConnection, Task> _connections = new();
    private Socket? _socket;
    private Task _acceptLoop = Task.CompletedTask;
    private long _connectionCounter;

    public KafkaListener(IPEndPoint endpoint, IKafkaRequestHandler handler, KafkaListenerSettings settings, ILogger logger)
    {
        _endpoint = endpoint;
        _handler = handler;
        _settings = settings;
        _logger = logger;
    }

    /// <summary>Where the listener is bound (the real port when started on port 0).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)(_socket?.LocalEndPoint ?? throw new InvalidOperationException("Not started"));

    public int OpenConnections => _connections.Count;

    /// <summary>Binds and starts accepting; a port in use fails here, at start-up.</summary>
    public void Start()
    {
        var socket = new Socket(_endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(_endpoint);
            socket.Listen(512);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        _socket = socket;
        _acceptLoop = AcceptLoopAsync(socket);
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // E.g. a client that reset before we accepted it, or too many open files: keep serving.
                _logger.LogWarning("Kafka listener: accept failed: {Error}", e.SocketErrorCode);
                await Task.Delay(10).ConfigureAwait(false);
                continue;
            }

            client.NoDelay = true;
            var connection = new KafkaConnection(client, Interlocked.Increment(ref _connectionCounter), _handler, _settings, _logger);
            var run = Task.Run(() => connection.RunAsync(_stopping.Token));
            _connections[connection] = run;
            _ = run.ContinueWith(_ => _connections.TryRemove(connection, out Task? _), TaskScheduler.Default);
        }
    }

    public async Task StopAsync()
    {
        if (_stopping.IsCancellationRequested) return;
        _stopping.Cancel();
        _socket?.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        foreach (var connection in _connections.Keys) connection.Abort();
        try
        {
            await Task.WhenAll(_connections.Values).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("Kafka listener: {Count} connections did not close within 5 s", _connections.Count);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }
}
