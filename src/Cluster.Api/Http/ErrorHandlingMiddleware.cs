using Cluster.Domain.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cluster.Api.Http;

/// <summary>
/// The one place a failed request becomes the contract's JSON error: refusals
/// (<see cref="ApiException"/>), Kestrel's own rejections while reading the body (413 over
/// the size limit, 400 for a broken chunked encoding), and, last, anything unexpected as a
/// 500 UNKNOWN_SERVER_ERROR with a short message, never a stack trace.
/// </summary>
public sealed class ErrorHandlingMiddleware
{
    private readonly RequestDelegate _next;
    private readonly ILogger<ErrorHandlingMiddleware> _log;

    public ErrorHandlingMiddleware(RequestDelegate next, ILogger<ErrorHandlingMiddleware> log)
    {
        _next = next;
        _log = log;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await _next(context);
        }
        catch (ApiException e)
        {
            await TryWriteAsync(context, e.Status, e.Error.KafkaName(), e.Message);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await TryWriteAsync(context, e.StatusCode, ErrorCode.RecordListTooLarge.KafkaName(),
                "The request body is larger than the configured limit");
        }
        catch (BadHttpRequestException e)
        {
            await TryWriteAsync(context, StatusCodes.Status400BadRequest, ErrorCode.InvalidRequest.KafkaName(),
                $"The request could not be read: {e.Message}");
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is left to answer.
        }
        catch (Exception e) when (!NodeIsReady(context))
        {
            // The broker incarnation went away under the request (the node is rejoining the
            // cluster): a retry will find the next one.
            _log.LogWarning("{Method} {Path} failed while the node was not ready: {Error}", context.Request.Method, context.Request.Path, e.Message);
            await TryWriteAsync(context, StatusCodes.Status503ServiceUnavailable, ErrorCode.LeaderNotAvailable.KafkaName(),
                "This node left the cluster while serving the request; retry");
        }
        catch (Exception e)
        {
            _log.LogError(e, "Unexpected error serving {Method} {Path}", context.Request.Method, context.Request.Path);
            await TryWriteAsync(context, StatusCodes.Status500InternalServerError, ErrorCode.UnknownServerError.KafkaName(),
                $"The server failed to handle the request ({e.GetType().Name})");
        }
    }

    private static bool NodeIsReady(HttpContext context) =>
        context.RequestServices.GetService<IBrokerNodeAccessor>()?.Current is { IsReady: true };

    private static async Task TryWriteAsync(HttpContext context, int status, string error, string message)
    {
        if (context.Response.HasStarted)
        {
            // Half a body is already out: the only honest signal left is a broken connection.
            context.Abort();
            return;
        }
        context.Response.Clear();
        try
        {
            await ApiJson.WriteErrorAsync(context, status, error, message);
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
        }
    }
}
