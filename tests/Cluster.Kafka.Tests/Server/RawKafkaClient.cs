using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Cluster.Kafka.Protocol;

namespace Cluster.Kafka.Tests.Server;

/// <summary>A bare Kafka client over one socket: sends request frames, reads answers, decodes them with the protocol layer.</summary>
public sealed class RawKafkaClient : IDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private int _correlation;

    private RawKafkaClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public static async Task<RawKafkaClient> ConnectAsync(IPEndPoint endpoint)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endpoint);
        return new RawKafkaClient(socket);
    }

    public Task SendRawAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask();

    /// <summary>Sends a request and returns its correlation id.</summary>
    public async Task<int> SendAsync(IKafkaRequest request, short version)
    {
        var correlation = ++_correlation;
        await SendRawAsync(KafkaRequestWriter.ToFrame(new RequestHeader(request.ApiKey, version, correlation, "raw-test"), request));
        return correlation;
    }

    public async Task<(ResponseHeader Header, T Response)> ReceiveAsync<T>(ApiKey apiKey, short version, TimeSpan? timeout = null)
        where T : IKafkaResponse
    {
        var frame = await ReadFrameAsync(timeout ?? TimeSpan.FromSeconds(20))
                    ?? throw new IOException("The connection closed before the answer");
        var (header, response) = KafkaResponseParser.Parse(frame, apiKey, version);
        return (header, (T)response);
    }

    public async Task<T> RoundTripAsync<T>(IKafkaRequest request, short version, TimeSpan? timeout = null) where T : IKafkaResponse
    {
        var correlation = await SendAsync(request, version);
        var (header, response) = await ReceiveAsync<T>(request.ApiKey, version, timeout);
        if (header.CorrelationId != correlation) throw new InvalidOperationException($"Answer to {header.CorrelationId}, expected {correlation}");
        return response;
    }

    /// <summary>The next frame, or null when the server closed the connection.</summary>
    public async Task<byte[]?> ReadFrameAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var size = new byte[4];
        if (!await ReadExactlyAsync(size, cts.Token)) return null;
        var body = new byte[BinaryPrimitives.ReadInt32BigEndian(size)];
        if (!await ReadExactlyAsync(body, cts.Token)) throw new IOException("The connection closed in the middle of an answer");
        return body;
    }

    /// <summary>True once the server has closed the connection (reads return end of stream or fail).</summary>
    public async Task<bool> IsClosedByServerAsync(TimeSpan timeout)
    {
        try
        {
            using var cts = new CancellationTokenSource(timeout);
            var buffer = new byte[4096];
            while (true)
            {
                var n = await _stream.ReadAsync(buffer, cts.Token);
                if (n == 0) return true;
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private async Task<bool> ReadExactlyAsync(byte[] buffer, CancellationToken cancellation)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await _stream.ReadAsync(buffer.AsMemory(read), cancellation);
            if (n == 0) return false;
            read += n;
        }
        return true;
    }

    public void Dispose() => _stream.Dispose();
}
