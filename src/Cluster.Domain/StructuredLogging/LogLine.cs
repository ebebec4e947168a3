using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Cluster.Domain.StructuredLogging;

/// <summary>One log event, whichever logging API it came from (Akka's or Microsoft.Extensions.Logging).</summary>
public readonly record struct LogEntry(
    DateTime TimestampUtc,
    LogSeverity Severity,
    string Logger,
    string Message,
    IReadOnlyList<KeyValuePair<string, object?>> Fields,
    string? Template = null,
    string? Source = null,
    Exception? Exception = null);

public enum LogSeverity { Debug, Info, Warning, Error }

/// <summary>
/// Writes a <see cref="LogEntry"/> as one line. Field names are camelCased template names
/// ("{LeaderEpoch}" → leaderEpoch); positional placeholders ("{0}") are not fields.
/// <list type="bullet">
/// <item>Text: <c>13:02:01.123 INFO  PartitionReplica: Leader change: ... brokerId=2 topicPartition=orders-0 leaderEpoch=3</c>;
/// a value with spaces or quotes is quoted; an exception adds <c>exception="Type: message"</c>.</item>
/// <item>JSON: <c>{"time":"...Z","level":"info","logger":"PartitionReplica","message":"...","brokerId":2,...,"template":"...","source":"akka://..."}</c>;
/// numbers and booleans stay numbers and booleans, lists become arrays; an exception adds its whole text.</item>
/// </list>
/// </summary>
public static class LogLine
{
    public static string Format(LogFormat format, in LogEntry entry) =>
        format == LogFormat.Json ? Json(entry) : Text(entry);

    public static string Text(in LogEntry entry)
    {
        var line = new StringBuilder(160);
        line.Append(entry.TimestampUtc.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)).Append(' ');
        line.Append(entry.Severity switch
        {
            LogSeverity.Debug => "DEBUG",
            LogSeverity.Info => "INFO ",
            LogSeverity.Warning => "WARN ",
            _ => "ERROR",
        }).Append(' ');
        line.Append(entry.Logger).Append(": ");
        AppendSingleLine(line, entry.Message);
        foreach (var (name, value) in Named(entry.Fields))
        {
            line.Append(' ').Append(name).Append('=');
            AppendTextValue(line, TextOf(value));
        }
        if (entry.Exception is { } exception)
        {
            line.Append(" exception=");
            AppendTextValue(line, $"{exception.GetType().Name}: {exception.Message}");
        }
        return line.ToString();
    }

    public static string Json(in LogEntry entry)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("time", entry.TimestampUtc.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            json.WriteString("level", entry.Severity switch
            {
                LogSeverity.Debug => "debug",
                LogSeverity.Info => "info",
                LogSeverity.Warning => "warning",
                _ => "error",
            });
            json.WriteString("logger", entry.Logger);
            json.WriteString("message", entry.Message);
            foreach (var (name, value) in Named(entry.Fields))
            {
                if (name is "time" or "level" or "logger" or "message" or "template" or "source" or "exception") continue;
                json.WritePropertyName(name);
                WriteJsonValue(json, value, depth: 0);
            }
            if (entry.Template is not null) json.WriteString("template", entry.Template);
            if (entry.Source is not null) json.WriteString("source", entry.Source);
            if (entry.Exception is not null) json.WriteString("exception", entry.Exception.ToString());
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>"LeaderEpoch" → "leaderEpoch"; positional ("0") and empty names are dropped, as are repeats.</summary>
    private static IEnumerable<(string Name, object? Value)> Named(IReadOnlyList<KeyValuePair<string, object?>> fields)
    {
        HashSet<string>? seen = null;
        foreach (var (key, value) in fields)
        {
            if (string.IsNullOrEmpty(key) || char.IsDigit(key[0]) || key[0] == '{') continue;
            var name = char.IsUpper(key[0]) ? char.ToLowerInvariant(key[0]) + key[1..] : key;
            seen ??= new HashSet<string>(StringComparer.Ordinal);
            if (seen.Add(name)) yield return (name, value);
        }
    }

    private static string TextOf(object? value) => value switch
    {
        null => "null",
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable e => string.Join(",", e.Cast<object?>().Select(TextOf)),
        _ => value.ToString() ?? "",
    };

    private static void AppendTextValue(StringBuilder line, string value)
    {
        var plain = value.Length > 0 && value.All(c => c > ' ' && c != '"' && c != '=' && c != '\\');
        if (plain)
        {
            line.Append(value);
            return;
        }
        line.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': line.Append("\\\""); break;
                case '\\': line.Append("\\\\"); break;
                case '\n': line.Append("\\n"); break;
                case '\r': line.Append("\\r"); break;
                case '\t': line.Append("\\t"); break;
                default: line.Append(c); break;
            }
        }
        line.Append('"');
    }

    /// <summary>A message that spans lines still makes one log line.</summary>
    private static void AppendSingleLine(StringBuilder line, string message)
    {
        if (message.IndexOfAny(['\n', '\r']) < 0)
        {
            line.Append(message);
            return;
        }
        foreach (var c in message) line.Append(c is '\n' or '\r' ? ' ' : c);
    }

    private static void WriteJsonValue(Utf8JsonWriter json, object? value, int depth)
    {
        switch (value)
        {
            case null: json.WriteNullValue(); break;
            case string s: json.WriteStringValue(s); break;
            case bool b: json.WriteBooleanValue(b); break;
            case int i: json.WriteNumberValue(i); break;
            case long l: json.WriteNumberValue(l); break;
            case short sh: json.WriteNumberValue(sh); break;
            case byte by: json.WriteNumberValue(by); break;
            case uint ui: json.WriteNumberValue(ui); break;
            case ulong ul: json.WriteNumberValue(ul); break;
            case double d when double.IsFinite(d): json.WriteNumberValue(d); break;
            case float f when float.IsFinite(f): json.WriteNumberValue(f); break;
            case decimal m: json.WriteNumberValue(m); break;
            case Enum e: json.WriteStringValue(e.ToString()); break;
            case DateTime t: json.WriteStringValue(t.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)); break;
            case DateTimeOffset t: json.WriteStringValue(t.ToString("O", CultureInfo.InvariantCulture)); break;
            case TimeSpan t: json.WriteNumberValue(t.TotalMilliseconds); break;
            case IEnumerable e when depth < 2:
                json.WriteStartArray();
                foreach (var item in e) WriteJsonValue(json, item, depth + 1);
                json.WriteEndArray();
                break;
            default: json.WriteStringValue(TextOf(value)); break;
        }
    }
}
