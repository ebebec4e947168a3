using Cluster.Cli;

namespace Cluster.Cli.Tests.Infrastructure;

/// <summary>What one CLI invocation printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Out, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Out}\n--- stderr ---\n{Error}";

    public System.Text.Json.JsonElement Json => System.Text.Json.JsonDocument.Parse(Out).RootElement.Clone();

    public string[] Lines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>A CLI invocation still running (consume --follow, a group member): its output so far, and a way to stop it like Ctrl-C.</summary>
public sealed class RunningCli(Task<int> run, CapturedWriter output, CapturedWriter error, CancellationTokenSource stop, string commandLine) : IDisposable
{
    public string OutSoFar => output.Text;

    public string ErrorSoFar => error.Text;

    public string[] LinesSoFar => OutSoFar.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Waits (bounded) until stdout has at least <paramref name="count"/> lines.</summary>
    public async Task WaitForLinesAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (LinesSoFar.Length < count)
        {
            if (run.IsCompleted) throw new InvalidOperationException($"'{commandLine}' ended with {LinesSoFar.Length} of {count} lines\n{Snapshot()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"'{commandLine}' printed {LinesSoFar.Length} of {count} lines within {timeout.TotalSeconds} s\n{Snapshot()}");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits (bounded) until stderr holds <paramref name="text"/> at least <paramref name="times"/> times.</summary>
    public async Task WaitForErrorTextAsync(string text, TimeSpan timeout, int times = 1)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Occurrences(ErrorSoFar, text) < times)
        {
            if (run.IsCompleted) throw new InvalidOperationException($"'{commandLine}' ended before printing '{text}' {times} time(s)\n{Snapshot()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"'{commandLine}' did not print '{text}' {times} time(s) within {timeout.TotalSeconds} s\n{Snapshot()}");
            await Task.Delay(50);
        }
    }

    private static int Occurrences(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    /// <summary>Waits (bounded) for the command to end by itself.</summary>
    public async Task<CliResult> WaitAsync(TimeSpan timeout)
    {
        if (await Task.WhenAny(run, Task.Delay(timeout)) != run)
        {
            await StopAsync();
            throw new TimeoutException($"'{commandLine}' did not finish within {timeout.TotalSeconds} s\n{Snapshot()}");
        }
        return new CliResult(await run, OutSoFar, ErrorSoFar);
    }

    /// <summary>Cancels as Ctrl-C does and waits (bounded) for the exit.</summary>
    public async Task<CliResult> StopAsync()
    {
        await stop.CancelAsync();
        var code = await run.WaitAsync(TimeSpan.FromSeconds(20));
        return new CliResult(code, OutSoFar, ErrorSoFar);
    }

    private string Snapshot() => $"--- stdout ---\n{OutSoFar}\n--- stderr ---\n{ErrorSoFar}";

    public void Dispose()
    {
        stop.Cancel();
        try
        {
            run.Wait(TimeSpan.FromSeconds(20));
        }
        catch (AggregateException)
        {
            // The test already failed on it.
        }
        stop.Dispose();
    }
}

/// <summary>
/// Runs the CLI in this process: the executable's entry point with string writers for stdout and
/// stderr and a string for stdin, each run bounded by a timeout. The node it talks to is a real process.
/// </summary>
public static class CliRun
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public static RunningCli Start(string server, string? stdin, params string[] args)
    {
        var output = new CapturedWriter();
        var error = new CapturedWriter();
        var console = new CliConsole(new StringReader(stdin ?? ""), output.Writer, error.Writer, ErrorIsTerminal: false);
        var stop = new CancellationTokenSource();
        var run = Task.Run(() => CliApp.RunAsync(["--server", server, .. args], console, stop.Token));
        return new RunningCli(run, output, error, stop, string.Join(' ', args));
    }

    public static async Task<CliResult> RunAsync(string server, string? stdin, params string[] args)
    {
        using var running = Start(server, stdin, args);
        return await running.WaitAsync(DefaultTimeout);
    }
}

/// <summary>A string writer that the CLI writes to from several threads while a test reads it.</summary>
public sealed class CapturedWriter
{
    private readonly StringWriter _inner = new();

    public CapturedWriter() => Writer = TextWriter.Synchronized(_inner);

    /// <summary>Synchronized: each call locks the wrapper itself.</summary>
    public TextWriter Writer { get; }

    public string Text
    {
        get
        {
            lock (Writer) return _inner.ToString();
        }
    }
}
