using System.CommandLine;
using System.Runtime.InteropServices;
using Cluster.Cli.Commands;
using Cluster.Cli.Http;
using Cluster.Cli.Output;

namespace Cluster.Cli;

/// <summary>What every command gets: the client over the server list, the output format, the console.</summary>
public sealed record CommandContext(ClusterClient Client, OutputFormat Format, CliConsole Console)
{
    public TextWriter Out => Console.Out;
    public TextWriter Error => Console.Error;
    public bool Json => Format == OutputFormat.Json;
}

/// <summary>
/// The command tree and the one place that turns failures into exit codes and one-line
/// messages: 1 with <c>error: NAME: message</c> for a server's refusal or an unreachable server,
/// 2 for a wrong command line. No stack traces (CLUSTER_CLI_DEBUG=1 shows them).
/// </summary>
public static class CliApp
{
    public const string DefaultServer = "http://127.0.0.1:8080";
    public const string ServerVariable = "CLUSTER_SERVER";

    /// <summary>Options every command takes, before or after its name; made per run (symbols are not shared between parsers).</summary>
    private sealed class GlobalOptions
    {
        public readonly Option<string> Server = new("--server", "-s")
        {
            Description = $"HTTP address of any node; a comma-separated list fails over to the next one [env: {ServerVariable}]",
            Recursive = true,
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } fromEnv ? fromEnv : DefaultServer,
        };

        public readonly Option<string> Output = new("--output", "-o")
        {
            Description = "table for people, json for scripts",
            Recursive = true,
            HelpName = "table|json",
            DefaultValueFactory = _ => "table",
        };

        public GlobalOptions() => Output.AcceptOnlyFromAmong("table", "json");
    }

    private static RootCommand BuildRoot(GlobalOptions options, Func<ParseResult, CommandContext> context)
    {
        var root = new RootCommand("Administers the cluster over its HTTP API: topics, produce, consume, consumer groups, cluster state.");
        root.Add(options.Server);
        root.Add(options.Output);
        root.Add(TopicCommands.Build(context));
        root.Add(ProduceCommand.Build(context));
        root.Add(ConsumeCommand.Build(context));
        root.Add(GroupCommands.Build(context));
        root.Add(ClusterCommands.Build(context));
        return root;
    }

    /// <param name="cancellation">Stops the command as Ctrl-C does (tests use it; the process uses Ctrl-C and SIGTERM).</param>
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellation = default)
    {
        var options = new GlobalOptions();
        ClusterClient? client = null;
        CommandContext Context(ParseResult parsed)
        {
            client ??= new ClusterClient(ClusterClient.ParseServers(parsed.GetValue(options.Server)));
            return new CommandContext(client, parsed.GetValue(options.Output) == "json" ? OutputFormat.Json : OutputFormat.Table, console);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        using var signals = console.IsProcessConsole ? new StopSignals(stop) : null;
        try
        {
            var parsed = BuildRoot(options, Context).Parse(args);
            if (parsed.Errors.Count > 0)
            {
                foreach (var error in parsed.Errors) await console.Error.WriteLineAsync($"error: {error.Message}");
                await console.Error.WriteLineAsync($"Run '{CommandPath(parsed.CommandResult)} --help' for its usage.");
                return ExitCodes.Usage;
            }
            var invocation = new InvocationConfiguration
            {
                Output = console.Out,
                Error = console.Error,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null,
            };
            return await parsed.InvokeAsync(invocation, stop.Token);
        }
        catch (UsageException e)
        {
            await console.Error.WriteLineAsync($"error: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (ClusterApiException e)
        {
            await console.Error.WriteLineAsync($"error: {e.Error}: {e.Message}");
            return ExitCodes.ServerError;
        }
        catch (CliFailure e)
        {
            await console.Error.WriteLineAsync($"error: {e.Error}: {e.Message}");
            return ExitCodes.ServerError;
        }
        catch (ServerUnreachableException e)
        {
            await console.Error.WriteLineAsync($"error: {e.Message}");
            return ExitCodes.ServerError;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            await console.Error.WriteLineAsync("interrupted");
            return ExitCodes.Interrupted;
        }
        catch (Exception e)
        {
            await console.Error.WriteLineAsync($"error: {e.GetType().Name}: {e.Message}");
            if (Environment.GetEnvironmentVariable("CLUSTER_CLI_DEBUG") == "1") await console.Error.WriteLineAsync(e.ToString());
            return ExitCodes.ServerError;
        }
        finally
        {
            client?.Dispose();
        }
    }

    private static string CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new List<string>();
        for (var r = result; r is not null && r.Command is not RootCommand; r = r.Parent as System.CommandLine.Parsing.CommandResult)
            names.Insert(0, r.Command.Name);
        return string.Join(' ', names.Prepend("Cluster.Cli"));
    }

    /// <summary>Ctrl-C and SIGTERM cancel the running command (which then cleans up: a group member leaves); a second Ctrl-C kills.</summary>
    private sealed class StopSignals : IDisposable
    {
        private readonly CancellationTokenSource _stop;
        private readonly PosixSignalRegistration _sigterm;

        public StopSignals(CancellationTokenSource stop)
        {
            _stop = stop;
            Console.CancelKeyPress += OnCancelKeyPress;
            _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                Cancel();
            });
        }

        private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
        {
            e.Cancel = !_stop.IsCancellationRequested;
            Cancel();
        }

        private void Cancel()
        {
            try
            {
                _stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The command already finished.
            }
        }

        public void Dispose()
        {
            Console.CancelKeyPress -= OnCancelKeyPress;
            _sigterm.Dispose();
        }
    }
}
