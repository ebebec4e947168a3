using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Cluster.Api.LiveView;

/// <summary>
/// GET /: the live view, one self-contained page (inline CSS and script, no outside resources)
/// that polls this node's own API: /v1/cluster, /v1/topics?internal=true and each topic's
/// description. Every node serves it, so it keeps working while any one node is up.
/// </summary>
public static class LiveViewEndpoints
{
    private static readonly byte[] Page = Encoding.UTF8.GetBytes(LiveViewPage.Html);

    /// <summary>Only this page's own script and style may run, and it may only talk to this node.</summary>
    private static readonly string ContentSecurityPolicy =
        $"default-src 'none'; script-src '{Sha256(LiveViewPage.Script)}'; style-src '{Sha256(LiveViewPage.Style)}'; " +
        "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static void Map(WebApplication app) => app.MapMethods("/", [HttpMethods.Get, HttpMethods.Head], (RequestDelegate)Serve);

    private static Task Serve(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/html; charset=utf-8";
        response.ContentLength = Page.Length;
        response.Headers.CacheControl = "no-cache";
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        return response.Body.WriteAsync(Page, context.RequestAborted).AsTask();
    }

    private static string Sha256(string inline) => "sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(inline)));
}
