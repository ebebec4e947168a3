using Akka.Configuration;

namespace Cluster.Domain.StructuredLogging;

/// <summary>
/// How a node writes its log lines (<c>cluster-log.logging.format</c>): one line per event
/// either way. <see cref="Text"/> is for people: time, level, logger, the message, then every
/// named field as key=value. <see cref="Json"/> is one JSON object per line for log shippers.
/// </summary>
public enum LogFormat { Text, Json }

public static class LogSettings
{
    public const string FormatPath = "cluster-log.logging.format";

    /// <summary>The configured format; text when the setting is missing.</summary>
    public static LogFormat FormatFrom(Config config)
    {
        var value = config.HasPath(FormatPath) ? config.GetString(FormatPath) : "text";
        return value?.Trim().ToLowerInvariant() switch
        {
            null or "" or "text" => LogFormat.Text,
            "json" => LogFormat.Json,
            _ => throw new ConfigurationException($"{FormatPath} must be text or json, not '{value}'"),
        };
    }
}
