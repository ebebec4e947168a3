using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;
using Cluster.Kafka.Protocol;
using Microsoft.Extensions.Logging;

namespace Cluster.Kafka.Server;

/// <summary>What a listener asks to answer each request; null means "send nothing" (Produce with acks=0).</summary>
public interface IKafkaRequestHandler
{
    /// <param name="cancellation">Cancelled when the connection closes: long polls stop waiting.</param>
    ValueTask<IKafkaResponse?> HandleAsync(ParsedRequest request, CancellationToken cancellation);
}

/// <summary>
/// One client connection: a reader loop that cuts frames, decodes them and starts handling
/// each at once (up to <see cref="KafkaListenerSettings.MaxInFlightPerConnection"/> at a
/// time), and a writer loop that sends the answers strictly in request order, as Kafka
/// clients require. Anything wrong with what the peer sent (a malformed frame, an unknown
/// API or version, a frame over the limit, a disconnect in the middle of a frame) closes
/// this connection, with one log line, and nothing else.
/// </summary>
internal sealed class KafkaConnection
{
    private readonly record struct Pending(ParsedRequest Request, Task<IKafkaResponse?> Response);

    private readonly Socket _socket;
    private readonly long _id;
    private readonly IKafkaRequestHandler _handler;
    private readonly KafkaListenerSettings _settings;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _inFlight;
    private readonly string _peer;
    private CancellationTokenSource? _closing;
    private string? _clientId;

    public KafkaConnection(Socket socket, long id, IKafkaRequestHandler handler, KafkaListenerSettings settings, ILogger logger)
    {
        _socket = socket;
        _id = id;
        _handler = handler;
        _settings = settings;
        _logger = logger;
        _inFlight = new SemaphoreSlim(settings.MaxInFlightPerConnection, settings.MaxInFlightPerConnection);
        _peer = socket.RemoteEndPoint?.ToString() ?? "?";
    }

    /// <summary>Closes the connection now (listener shutdown).</summary>
    public void Abort()
    {
        try
        {
            _closing?.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        using var closing = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        _closing = closing;
        await using var stream = new NetworkStream(_socket, ownsSocket: true);
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024, leaveOpen: true));
        var writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024, leaveOpen: true));
        var pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

        var writing = WriteLoopAsync(pending.Reader, writer, closing);
        string? problem = null;
        try
        {
            problem = await ReadLoopAsync(reader, pending.Writer, closing.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (closing.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            problem = null; // the peer went away; nothing to report beyond debug
            _logger.LogDebug("Kafka connection {Id} from {Peer}: read failed: {Error}", _id, _peer, e.Message);
        }
        catch (Exception e)
        {
            problem = $"unexpected error while reading: {e}";
        }

        if (problem is not null)
        {
            // Kafka closes at once on a bad request: answers still pending are dropped.
            _logger.LogWarning("Kafka connection {Id} from {Peer} (client {ClientId}) closed: {Problem}", _id, _peer, _clientId ?? "?", problem);
            closing.Cancel();
        }
        // A clean end of input: answer what was asked, then close.
        pending.Writer.TryComplete();
        await writing.ConfigureAwait(false);

        closing.Cancel();
        await reader.CompleteAsync().ConfigureAwait(false);
        try
        {
            await writer.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        _logger.LogDebug("Kafka connection {Id} from {Peer} closed", _id, _peer);
    }

    /// <summary>Returns null at a clean end of input, otherwise why the connection must close.</summary>
    private async Task<string?> ReadLoopAsync(PipeReader reader, ChannelWriter<Pending> pending, CancellationToken cancellation)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellation).ConfigureAwait(false);
            var buffer = result.Buffer;
            try
            {
                while (KafkaFrame.TryReadFrame(ref buffer, out var frame, _settings.MaxFrameSize))
                {
                    // Produce record batches are slices of this array: it lives as long as the request.
                    var bytes = frame.ToArray();
                    ParsedRequest request;
                    try
                    {
                        request = KafkaRequestParser.Parse(bytes);
                    }
                    catch (KafkaProtocolException e)
                    {
                        return Describe(e);
                    }
                    _clientId = request.Header.ClientId;

                    await _inFlight.WaitAsync(cancellation).ConfigureAwait(false);
                    Task<IKafkaResponse?> response;
                    try
                    {
                        // Started here, in arrival order: a handler sends its first message to the
                        // cluster before it first yields, so requests for one partition reach its
                        // leader in the order the client sent them.
                        response = _handler.HandleAsync(request, cancellation).AsTask();
                    }
                    catch (Exception e)
                    {
                        response = Task.FromException<IKafkaResponse?>(e);
                    }
                    await pending.WriteAsync(new Pending(request, response), cancellation).ConfigureAwait(false);
                }
            }
            catch (KafkaProtocolException e)
            {
                return Describe(e); // frame size
            }
            finally
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
            }

            if (result.IsCompleted || result.IsCanceled)
                return buffer.Length == 0 ? null : $"the client disconnected in the middle of a request ({buffer.Length} bytes of it received)";
        }
    }

    private static string Describe(KafkaProtocolException e) =>
        e.Header is { } h
            ? $"{e.ErrorCode} in request {h.RequestApiKey} v{h.RequestApiVersion} (correlation id {h.CorrelationId}): {e.Message}"
            : $"{e.ErrorCode}: {e.Message}";

    private async Task WriteLoopAsync(ChannelReader<Pending> pending, PipeWriter writer, CancellationTokenSource closing)
    {
        var cancellation = closing.Token;
        using var frame = new KafkaWriter(4096);
        try
        {
            while (await pending.WaitToReadAsync(cancellation).ConfigureAwait(false))
            {
                while (pending.TryRead(out var item))
                {
                    IKafkaResponse? response;
                    try
                    {
                        response = await item.Response.ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
                    {
                        return;
                    }
                    catch (Handlers.KafkaNodeUnavailableException e)
                    {
                        _logger.LogWarning("Kafka connection {Id} from {Peer} closed: {Api} cannot be served: {Reason}",
                            _id, _peer, item.Request.ApiKey, e.Message);
                        closing.Cancel();
                        return;
                    }
                    catch (Exception e)
                    {
                        _logger.LogError(e, "Kafka connection {Id} from {Peer}: handling {Api} v{Version} (correlation id {CorrelationId}) failed; closing it",
                            _id, _peer, item.Request.ApiKey, item.Request.ApiVersion, item.Request.CorrelationId);
                        closing.Cancel();
                        return;
                    }
                    finally
                    {
                        _inFlight.Release();
                    }
                    if (response is null) continue;

                    frame.Reset();
                    try
                    {
                        KafkaResponseWriter.WriteFrame(frame, item.Request, response);
                    }
                    catch (Exception e)
                    {
                        _logger.LogError(e, "Kafka connection {Id} from {Peer}: encoding the {Api} v{Version} response failed; closing it",
                            _id, _peer, item.Request.ApiKey, item.Request.ApiVersion);
                        closing.Cancel();
                        return;
                    }
                    writer.Write(frame.WrittenSpan);
                    // Answers that are ready go out together; never sit on one while waiting for the next.
                    if (!(pending.TryPeek(out var next) && next.Response.IsCompleted))
                    {
                        var flushed = await writer.FlushAsync(cancellation).ConfigureAwait(false);
                        if (flushed.IsCompleted) return;
                    }
                }
                var done = await writer.FlushAsync(cancellation).ConfigureAwait(false);
                if (done.IsCompleted) return;
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            _logger.LogDebug("Kafka connection {Id} from {Peer}: write failed: {Error}", _id, _peer, e.Message);
            closing.Cancel();
        }
    }
}
