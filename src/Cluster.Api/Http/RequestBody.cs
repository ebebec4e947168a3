using System.Buffers;
using Cluster.Domain.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Cluster.Api.Http;

/// <summary>A whole request body in one pooled array; return it with Dispose.</summary>
public sealed class PooledBody : IDisposable
{
    private byte[]? _buffer;

    internal PooledBody(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    public int Length { get; }

    /// <summary>The body, without a UTF-8 byte order mark (some Windows tools write one).</summary>
    public ReadOnlySpan<byte> Span
    {
        get
        {
            var span = (_buffer ?? throw new ObjectDisposedException(nameof(PooledBody))).AsSpan(0, Length);
            return span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? span[3..] : span;
        }
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = null;
        if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
    }
}

public static class RequestBody
{
    private const int InitialBuffer = 4096;
    private const int DrainBuffer = 64 * 1024;

    /// <summary>
    /// Reads the body, whatever its Content-Type (curl users forget it), refusing more than
    /// <paramref name="maxBytes"/> with 413 RECORD_LIST_TOO_LARGE.
    ///
    /// A client that sends its whole body before it reads the answer (most HTTP clients
    /// without <c>Expect: 100-continue</c>) would see a broken pipe, not the 413, if the
    /// server answered and closed mid-body. So an oversized body up to a few times the limit
    /// is read and thrown away before the 413, which keeps the connection usable; beyond
    /// that, or when the client waits for 100-continue, the answer comes at once.
    /// </summary>
    public static async Task<PooledBody> ReadAsync(HttpContext context, long maxBytes)
    {
        var drainLimit = DrainLimit(maxBytes);
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false }) sizeFeature.MaxRequestBodySize = drainLimit;

        var request = context.Request;
        var declared = request.ContentLength;
        if (declared > maxBytes)
        {
            if (declared <= drainLimit && !ExpectsContinue(request)) await DrainAsync(context);
            throw TooLarge(maxBytes);
        }

        var capacity = (int)Math.Min(declared is > 0 ? declared.Value : InitialBuffer, Math.Min(maxBytes, Array.MaxLength - 1)) + 1;
        var buffer = ArrayPool<byte>.Shared.Rent(capacity);
        var length = 0;
        try
        {
            var body = request.Body;
            while (true)
            {
                if (length == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, Array.MaxLength));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var read = await body.ReadAsync(buffer.AsMemory(length), context.RequestAborted);
                if (read == 0) break;
                length += read;
                if (length > maxBytes)
                {
                    await DrainAsync(context);
                    throw TooLarge(maxBytes);
                }
            }
            return new PooledBody(buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>How much of an oversized body is still read (and dropped) to answer 413 cleanly.</summary>
    public static long DrainLimit(long maxBytes) => maxBytes > long.MaxValue / 4 ? long.MaxValue : Math.Max(maxBytes * 4, 1024 * 1024);

    private static bool ExpectsContinue(HttpRequest request) =>
        request.Headers.Expect.Any(e => e is not null && e.Contains("100-continue", StringComparison.OrdinalIgnoreCase));

    private static async Task DrainAsync(HttpContext context)
    {
        var scratch = ArrayPool<byte>.Shared.Rent(DrainBuffer);
        try
        {
            while (await context.Request.Body.ReadAsync(scratch, context.RequestAborted) > 0)
            {
            }
        }
        catch (BadHttpRequestException)
        {
            // Past the drain limit: Kestrel closes the connection after the 413.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    public static ApiException TooLarge(long maxBytes) =>
        new(ErrorCode.RecordListTooLarge, $"The request body is larger than the limit of {maxBytes} bytes",
            StatusCodes.Status413PayloadTooLarge);
}
