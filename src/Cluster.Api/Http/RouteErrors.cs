using Cluster.Domain.Protocol;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Cluster.Api.Http;

/// <summary>Bodies for the statuses routing sets without one: 404 (no such route), 405 (no such method on it).</summary>
public static class RouteErrors
{
    public static Task WriteAsync(StatusCodeContext status)
    {
        var context = status.HttpContext;
        var request = context.Request;
        var message = context.Response.StatusCode switch
        {
            StatusCodes.Status404NotFound => $"There is no route {request.Method} {request.Path}",
            StatusCodes.Status405MethodNotAllowed =>
                $"{request.Path} does not support {request.Method}" +
                (context.Response.Headers.Allow.Count > 0 ? $" (allowed: {context.Response.Headers.Allow})" : ""),
            _ => null,
        };
        return message is null
            ? Task.CompletedTask
            : ApiJson.WriteErrorAsync(context, context.Response.StatusCode, ErrorCode.InvalidRequest, message);
    }
}
