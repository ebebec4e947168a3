using Cluster.Domain.StructuredLogging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Cluster.Node;

public sealed class StructuredConsoleFormatterOptions : ConsoleFormatterOptions
{
    public LogFormat Format { get; set; } = LogFormat.Text;
}

/// <summary>
/// The host's own lines (Microsoft.Extensions.Logging: the broker supervisor, the Kafka
/// listener, ASP.NET Core) in the same one-line format as the actors' (<see cref="LogLine"/>),
/// so that a node's output is one stream of text or JSON lines.
/// </summary>
public sealed class StructuredConsoleFormatter : ConsoleFormatter
{
    public const string FormatterName = "cluster-log";

    private readonly LogFormat _format;

    public StructuredConsoleFormatter(IOptions<StructuredConsoleFormatterOptions> options) : base(FormatterName) =>
        _format = options.Value.Format;

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception) ?? "";
        var state = logEntry.State as IReadOnlyList<KeyValuePair<string, object?>>;
        string? template = null;
        var fields = new List<KeyValuePair<string, object?>>(state?.Count ?? 0);
        if (state is not null)
            foreach (var field in state)
            {
                if (field.Key == "{OriginalFormat}") template = field.Value as string;
                else fields.Add(field);
            }
        var entry = new Cluster.Domain.StructuredLogging.LogEntry(DateTime.UtcNow, SeverityOf(logEntry.LogLevel), ShortName(logEntry.Category),
            message, fields, template, logEntry.Category, logEntry.Exception);
        textWriter.WriteLine(LogLine.Format(_format, entry));
    }

    private static LogSeverity SeverityOf(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => LogSeverity.Debug,
        LogLevel.Information => LogSeverity.Info,
        LogLevel.Warning => LogSeverity.Warning,
        _ => LogSeverity.Error,
    };

    /// <summary>"Cluster.Node.BrokerSupervisor" → "BrokerSupervisor", as the actors' lines name their class.</summary>
    private static string ShortName(string category)
    {
        var dot = category.LastIndexOf('.');
        return dot >= 0 && dot < category.Length - 1 ? category[(dot + 1)..] : category;
    }
}
