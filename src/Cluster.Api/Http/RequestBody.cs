using System.Buffers;
using Cluster.Domain.Protocol;
using Microsoft.AspNetCore.Http;

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

    public ReadOnlySpan<byte> Span => (_buffer ?? throw new ObjectDisposedException(nameof(PooledBody))).AsSpan(0, Length);

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

    /// <summary>
    /// Reads the body, whatever its Content-Type (curl users forget it), refusing more than
    /// <paramref name="maxBytes"/> with 413 RECORD_LIST_TOO_LARGE: up front when Content-Length
    /// says so (nothing is read, so a client waiting for 100-continue is not made to send it),
    /// otherwise (chunked) as soon as Kestrel's own limit trips while reading.
    /// </summary>
    public static async Task<PooledBody> ReadAsync(HttpContext context, long maxBytes)
    {
        var declared = context.Request.ContentLength;
        if (declared > maxBytes) throw TooLarge(maxBytes);

        var capacity = (int)Math.Min(declared is > 0 ? declared.Value : InitialBuffer, Math.Min(maxBytes, Array.MaxLength - 1)) + 1;
        var buffer = ArrayPool<byte>.Shared.Rent(capacity);
        var length = 0;
        try
        {
            var body = context.Request.Body;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > maxBytes) throw TooLarge(maxBytes);
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, Array.MaxLength));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var read = await body.ReadAsync(buffer.AsMemory(length), context.RequestAborted);
                if (read == 0) break;
                length += read;
                if (length > maxBytes) throw TooLarge(maxBytes);
            }
            return new PooledBody(buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    public static ApiException TooLarge(long maxBytes) =>
        new(ErrorCode.RecordListTooLarge, $"The request body is larger than the limit of {maxBytes} bytes",
            StatusCodes.Status413PayloadTooLarge);
}
