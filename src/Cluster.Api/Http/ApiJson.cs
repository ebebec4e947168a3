using System.Text.Encodings.Web;
using System.Text.Json;
using Cluster.Domain.Protocol;
using Microsoft.AspNetCore.Http;

namespace Cluster.Api.Http;

/// <summary>Every response body is written here, with Utf8JsonWriter straight into the response pipe.</summary>
public static class ApiJson
{
    public const string ContentType = "application/json; charset=utf-8";

    /// <summary>
    /// Non-ASCII text stays readable (no \uXXXX for every accented letter); the output is
    /// still valid JSON, only not meant to be pasted into HTML.
    /// </summary>
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static async Task WriteAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = ContentType;
        await using (var writer = new Utf8JsonWriter(response.BodyWriter, WriterOptions))
        {
            write(writer);
        }
        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    public static Task WriteErrorAsync(HttpContext context, int status, ErrorCode error, string message) =>
        WriteErrorAsync(context, status, error.KafkaName(), message);

    public static Task WriteErrorAsync(HttpContext context, int status, string errorName, string message) =>
        WriteAsync(context, status, w => WriteError(w, errorName, message));

    public static void WriteError(Utf8JsonWriter writer, string errorName, string message)
    {
        writer.WriteStartObject();
        writer.WriteString("error", errorName);
        writer.WriteString("message", message);
        writer.WriteEndObject();
    }

    /// <summary>A 204 or similar: status only, no body.</summary>
    public static Task NoContent(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }
}
