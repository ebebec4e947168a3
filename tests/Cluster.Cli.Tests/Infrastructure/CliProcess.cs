using System.Diagnostics;
using Cluster.EndToEnd.Tests.Infrastructure;

namespace Cluster.Cli.Tests.Infrastructure;

/// <summary>
/// The CLI as users run it: <c>dotnet Cluster.Cli.dll ...</c> in a child process (the project
/// reference copies it beside the tests), with stdin, exit code and signals of a real process.
/// </summary>
public sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly CapturedWriter _out = new();
    private readonly CapturedWriter _error = new();

    private CliProcess(Process process) => _process = process;

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "Cluster.Cli.dll");

    public static CliProcess Start(string server, params string[] args)
    {
        var start = new ProcessStartInfo(NodeBinary.DotnetHost)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment.Remove("CLUSTER_SERVER");
        start.ArgumentList.Add(Dll);
        start.ArgumentList.Add("--server");
        start.ArgumentList.Add(server);
        foreach (var arg in args) start.ArgumentList.Add(arg);

        var process = new Process { StartInfo = start };
        var cli = new CliProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) cli._out.Writer.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) cli._error.Writer.WriteLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cli;
    }

    public static async Task<CliResult> RunAsync(string server, string? stdin, params string[] args)
    {
        using var cli = Start(server, args);
        if (stdin is not null) await cli._process.StandardInput.WriteAsync(stdin);
        cli._process.StandardInput.Close();
        return await cli.WaitAsync(TimeSpan.FromSeconds(60));
    }

    public string OutSoFar => _out.Text;

    public async Task WaitForErrorTextAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!_error.Text.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
                throw new TimeoutException($"'{text}' not on stderr within {timeout.TotalSeconds} s\n{_out.Text}\n{_error.Text}");
            await Task.Delay(50);
        }
    }

    public void Signal(int signal) => Signals.Send(_process.Id, signal);

    public async Task<CliResult> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the CLI did not exit within {timeout.TotalSeconds} s\n{_out.Text}\n{_error.Text}");
        }
        _process.WaitForExit(); // drains the output readers
        return new CliResult(_process.ExitCode, _out.Text, _error.Text);
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
        _process.Dispose();
    }
}
