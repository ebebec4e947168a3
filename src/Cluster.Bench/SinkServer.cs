using System.Buffers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cluster.Bench;

/// <summary>
/// A trivial endpoint with the routes the tool calls: it reads each produce body and answers
/// 200 at once, so a run against it measures the load generator alone (the tool scenario).
/// </summary>
public static class SinkServer
{
    public static async Task RunAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(System.Net.IPAddress.Loopback, port);
            k.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
        });
        var app = builder.Build();
        app.MapGet("/v1/health", () => Microsoft.AspNetCore.Http.Results.Text("{\"status\":\"up\",\"brokerId\":1}", "application/json"));
        app.MapGet("/v1/cluster", () => Microsoft.AspNetCore.Http.Results.Text(
            $"{{\"clusterId\":\"sink\",\"controller\":1,\"brokers\":[{{\"id\":1,\"host\":\"127.0.0.1\",\"port\":0,\"httpPort\":{port},\"status\":\"up\"}}]}}",
            "application/json"));
        app.MapPost("/v1/topics", () => Microsoft.AspNetCore.Http.Results.Text("{}", "application/json", statusCode: 201));
        app.MapGet("/v1/topics/{topic}", (string topic) => Microsoft.AspNetCore.Http.Results.Text(
            $"{{\"name\":\"{topic}\",\"configs\":{{}},\"partitions\":[" +
            string.Join(",", Enumerable.Range(0, 64).Select(p =>
                $"{{\"partition\":{p},\"leader\":1,\"leaderEpoch\":0,\"replicas\":[1],\"isr\":[1],\"logStartOffset\":0,\"highWatermark\":0,\"lastStableOffset\":0,\"logEndOffset\":0}}")) +
            "]}", "application/json"));
        app.MapPost("/v1/topics/{topic}/records", async (HttpContext context) =>
        {
            var scratch = ArrayPool<byte>.Shared.Rent(64 * 1024);
            try
            {
                while (await context.Request.Body.ReadAsync(scratch) > 0)
                {
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("{\"offsets\":[]}");
        });
        await app.RunAsync();
    }
}
