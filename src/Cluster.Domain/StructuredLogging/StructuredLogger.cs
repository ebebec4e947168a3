using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;

namespace Cluster.Domain.StructuredLogging;

/// <summary>
/// The node's Akka logger (<c>akka.loggers</c> in hocon/base.conf): one line per log event on
/// standard output, as text with key=value fields or as JSON (<see cref="LogSettings"/>).
/// Fields are the named properties of Akka's semantic log templates ("{LeaderEpoch}") and the
/// adapter's context (<c>WithContext("BrokerId", ...)</c>).
/// </summary>
public sealed class StructuredLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    private readonly LogFormat _format;
    private readonly TextWriter _out = Console.Out;

    public StructuredLogger()
    {
        _format = LogSettings.FormatFrom(Context.System.Settings.Config);
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(Write);
    }

    private void Write(LogEvent e)
    {
        var line = LogLine.Format(_format, ToEntry(e));
        _out.WriteLine(line);
    }

    /// <summary>
    /// The event as a <see cref="LogEntry"/>: the logger's context first (broker id,
    /// topic-partition: who is speaking), then the template's named values in their order.
    /// </summary>
    public static LogEntry ToEntry(LogEvent e)
    {
        IReadOnlyList<KeyValuePair<string, object?>> fields = Array.Empty<KeyValuePair<string, object?>>();
        if (e.TryGetProperties(out var properties) && properties is { Count: > 0 })
        {
            var templateNames = e.GetPropertyNames();
            var ordered = new List<KeyValuePair<string, object?>>(properties.Count);
            foreach (var (name, value) in properties)
                if (!templateNames.Contains(name)) ordered.Add(KeyValuePair.Create(name, (object?)value));
            foreach (var name in templateNames)
                if (properties.TryGetValue(name, out var value)) ordered.Add(KeyValuePair.Create(name, (object?)value));
            fields = ordered;
        }
        var message = e.Message switch
        {
            null => "",
            string s => s,
            _ => e.Message.ToString() ?? "",
        };
        return new LogEntry(e.Timestamp.ToUniversalTime(), SeverityOf(e), LoggerName(e), message, fields,
            Template: e.Message is LogMessage ? e.GetTemplate() : null, Source: e.LogSource, Exception: e.Cause);
    }

    private static LogSeverity SeverityOf(LogEvent e) => e.LogLevel() switch
    {
        LogLevel.DebugLevel => LogSeverity.Debug,
        LogLevel.InfoLevel => LogSeverity.Info,
        LogLevel.WarningLevel => LogSeverity.Warning,
        _ => LogSeverity.Error,
    };

    /// <summary>The class that logged (PartitionReplica, ClusterSingletonManager...), or the source for string sources.</summary>
    private static string LoggerName(LogEvent e)
    {
        var type = e.LogClass;
        if (type is null || type.Name.StartsWith("DummyClass", StringComparison.Ordinal)) return e.LogSource ?? "akka";
        var name = type.Name;
        var generic = name.IndexOf('`');
        return generic > 0 ? name[..generic] : name;
    }
}
