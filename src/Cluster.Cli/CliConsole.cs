namespace Cluster.Cli;

/// <summary>
/// Where a command reads and writes: the process's console in production, string writers in
/// tests (so that commands run in-process against a real node). <see cref="ErrorIsTerminal"/>
/// decides whether progress is redrawn in place (a terminal) or printed as occasional lines.
/// </summary>
public sealed record CliConsole(TextReader In, TextWriter Out, TextWriter Error, bool ErrorIsTerminal, bool IsProcessConsole = false)
{
    /// <summary>The process's own console: Ctrl-C and SIGTERM stop the running command.</summary>
    public static CliConsole System => new(Console.In, Console.Out, Console.Error, !Console.IsErrorRedirected, IsProcessConsole: true);
}
