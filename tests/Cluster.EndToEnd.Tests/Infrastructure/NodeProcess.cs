using System.Diagnostics;
using System.Net;
using System.Text;

namespace Cluster.EndToEnd.Tests.Infrastructure;

/// <summary>How to start one node process; the defaults are a fresh one-node cluster on free loopback ports.</summary>
public sealed record NodeProcessOptions
{
    public int BrokerId { get; init; } = 1;
    public int AkkaPort { get; init; } = FreePorts.Next();
    public int HttpPort { get; init; } = FreePorts.Next();

    /// <summary>0 turns the Kafka listener off.</summary>
    public int KafkaPort { get; init; }

    /// <summary>host:port of the seed nodes' Akka.Remote; empty: this node alone.</summary>
    public IReadOnlyList<string> SeedNodes { get; init; } = [];

    /// <summary>Null: a new temp directory, deleted when the node is disposed.</summary>
    public string? DataDir { get; init; }

    /// <summary>HOCON layered over hocon/ (passed with --config), e.g. shorter intervals for tests.</summary>
    public string? ExtraHocon { get; init; }

    /// <summary>Extra environment variables (CLUSTER_* ones of the test process are not inherited).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Extra command-line arguments, e.g. --storage postgres --connection-string ...</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    /// <summary>A name for the log file.</summary>
    public string Name { get; init; } = "node";
}

/// <summary>
/// One real node process (<c>dotnet Cluster.Node.dll ...</c>) on 127.0.0.1: start, wait for
/// <c>/v1/health</c>, stop gracefully (SIGTERM), kill (SIGKILL), pause (SIGSTOP/SIGCONT),
/// restart on the same data dir. Its stdout and stderr go to a log file that outlives the
/// test (<see cref="LogPath"/>; <see cref="LogTail"/> for assertion messages). Dispose kills
/// the process and deletes the data dir it created, also when the test failed.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable, IDisposable
{
    public static readonly TimeSpan DefaultStartTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultStopTimeout = TimeSpan.FromSeconds(30);

    private static int _instances;

    private readonly bool _ownsDataDir;
    private readonly string? _configFile;
    private readonly object _logLock = new();
    private StreamWriter? _log;
    private Process? _process;
    private int _starts;

    public NodeProcess(NodeProcessOptions? options = null)
    {
        Options = options ?? new NodeProcessOptions();
        var instance = Interlocked.Increment(ref _instances);
        var stamp = $"{DateTime.UtcNow:HHmmss}-{Environment.ProcessId}-{instance}";
        _ownsDataDir = Options.DataDir is null;
        DataDir = Options.DataDir ?? Directory.CreateTempSubdirectory($"cluster-e2e-{Options.Name}-b{Options.BrokerId}-").FullName;
        Directory.CreateDirectory(DataDir);
        var logDir = Path.Combine(AppContext.BaseDirectory, "node-logs");
        Directory.CreateDirectory(logDir);
        LogPath = Path.Combine(logDir, $"{Options.Name}-b{Options.BrokerId}-{stamp}.log");
        if (Options.ExtraHocon is not null)
        {
            _configFile = Path.Combine(Path.GetTempPath(), $"cluster-e2e-{stamp}.conf");
            File.WriteAllText(_configFile, Options.ExtraHocon);
        }
        Http = new HttpJson(BaseAddress);
    }

    public NodeProcessOptions Options { get; }
    public int BrokerId => Options.BrokerId;
    public int AkkaPort => Options.AkkaPort;
    public int HttpPort => Options.HttpPort;
    public string AkkaAddress => $"127.0.0.1:{AkkaPort}";
    public Uri BaseAddress => new($"http://127.0.0.1:{HttpPort}");
    public string DataDir { get; }
    public string LogPath { get; }
    public HttpJson Http { get; }

    public int? Pid => _process?.Id;
    /// <summary>Safe to ask from any thread, also while the node is being restarted.</summary>
    public bool IsRunning
    {
        get
        {
            try
            {
                return _process is { HasExited: false };
            }
            catch (InvalidOperationException)
            {
                return false; // the old process object was just disposed by a restart
            }
        }
    }
    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    /// <summary>Starts a fresh node alone (its own one-node cluster) and waits until it is healthy.</summary>
    public static async Task<NodeProcess> StartAsync(NodeProcessOptions? options = null)
    {
        var node = new NodeProcess(options);
        try
        {
            await node.StartAsync();
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the process (again, after a stop or kill: same ports, same data dir).</summary>
    public async Task StartAsync(bool waitUntilHealthy = true, TimeSpan? timeout = null)
    {
        if (IsRunning) throw new InvalidOperationException($"Broker {BrokerId} is already running (pid {Pid})");
        _process?.Dispose();
        _starts++;

        var start = new ProcessStartInfo(NodeBinary.DotnetHost)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            WorkingDirectory = DataDir,
        };
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("CLUSTER_", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(key);
        foreach (var (key, value) in Options.Environment) start.Environment[key] = value;

        start.ArgumentList.Add(NodeBinary.Path);
        void Arg(string name, object value)
        {
            start.ArgumentList.Add(name);
            start.ArgumentList.Add(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!);
        }
        Arg("--broker-id", BrokerId);
        Arg("--hostname", "127.0.0.1");
        Arg("--port", AkkaPort);
        Arg("--http-port", HttpPort);
        Arg("--kafka-port", Options.KafkaPort);
        Arg("--data-dir", DataDir);
        Arg("--seed-nodes", Options.SeedNodes.Count > 0 ? string.Join(",", Options.SeedNodes) : AkkaAddress);
        if (_configFile is not null) Arg("--config", _configFile);
        foreach (var extra in Options.ExtraArguments) start.ArgumentList.Add(extra);

        lock (_logLock)
        {
            _log ??= new StreamWriter(LogPath, append: true, Encoding.UTF8) { AutoFlush = true };
            _log.WriteLine($"=== start #{_starts} at {DateTime.UtcNow:O}: {start.FileName} {string.Join(' ', start.ArgumentList)}");
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => WriteLog(e.Data);
        process.ErrorDataReceived += (_, e) => WriteLog(e.Data is null ? null : "[stderr] " + e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        if (waitUntilHealthy) await WaitUntilHealthyAsync(timeout ?? DefaultStartTimeout);
    }

    /// <summary>Polls GET /v1/health until 200; fails early, with the log's tail, if the process exits.</summary>
    public async Task WaitUntilHealthyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process is not { } process || process.HasExited)
                throw new InvalidOperationException($"Broker {BrokerId} exited with code {ExitCode} before it was healthy.\n{LogTail()}");
            try
            {
                var health = await Http.GetAsync("/v1/health", TimeSpan.FromSeconds(2));
                if (health.Status == 200) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or OperationCanceledException)
            {
                // Not listening yet.
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Broker {BrokerId} was not healthy within {timeout.TotalSeconds:0.#} s.\n{LogTail()}");
            await Task.Delay(100);
        }
    }

    /// <summary>SIGTERM (graceful: leave the cluster, hand leadership away) and wait for the exit; returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan? timeout = null)
    {
        var process = _process ?? throw new InvalidOperationException($"Broker {BrokerId} was never started");
        if (!process.HasExited)
        {
            Signals.Send(process.Id, Signals.SigTerm);
            using var cts = new CancellationTokenSource(timeout ?? DefaultStopTimeout);
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                Kill();
                throw new TimeoutException($"Broker {BrokerId} did not exit within {(timeout ?? DefaultStopTimeout).TotalSeconds} s of SIGTERM.\n{LogTail()}");
            }
        }
        process.WaitForExit(); // drains the output readers
        return process.ExitCode;
    }

    /// <summary>When the last SIGKILL was sent.</summary>
    public DateTime? KilledAt { get; private set; }

    /// <summary>SIGKILL: the process dies at once, nothing flushed, nothing handed over.</summary>
    public void Kill()
    {
        if (_process is not { HasExited: false } process) return;
        // The node has no child processes; not walking /proc for them keeps the signal at KilledAt.
        KilledAt = DateTime.UtcNow;
        process.Kill(entireProcessTree: false);
        WriteLog($"=== SIGKILL at {KilledAt:O}");
        process.WaitForExit(10_000);
    }

    /// <summary>SIGSTOP: the process freezes (a GC pause or a hung machine, as the cluster sees it).</summary>
    public void Pause() => Signals.Send(_process?.Id ?? throw new InvalidOperationException("not started"), Signals.SigStop);

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    public void Resume() => Signals.Send(_process?.Id ?? throw new InvalidOperationException("not started"), Signals.SigCont);

    /// <summary>Stop (SIGTERM) or kill (SIGKILL), then start again on the same ports and data dir, and wait until healthy.</summary>
    public async Task RestartAsync(bool kill = false, TimeSpan? timeout = null)
    {
        if (kill) Kill();
        else await StopAsync();
        await StartAsync(true, timeout);
    }

    /// <summary>Deletes everything the node stored (a lost disk). Only while it is not running.</summary>
    public void WipeDataDir()
    {
        if (IsRunning) throw new InvalidOperationException($"Broker {BrokerId} is running");
        if (Directory.Exists(DataDir)) Directory.Delete(DataDir, recursive: true);
        Directory.CreateDirectory(DataDir);
    }

    public string LogTail(int lines = 60)
    {
        lock (_logLock)
        {
            _log?.Flush();
            if (!File.Exists(LogPath)) return "(no log)";
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return $"--- last {lines} lines of {LogPath} ---\n" + string.Join('\n', all.TakeLast(lines));
        }
    }

    private void WriteLog(string? line)
    {
        if (line is null) return;
        lock (_logLock) _log?.WriteLine(line);
    }

    public void Dispose()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        _process?.Dispose();
        _process = null;
        Http.Dispose();
        lock (_logLock)
        {
            _log?.Dispose();
            _log = null;
        }
        if (_configFile is not null) TryDelete(() => File.Delete(_configFile));
        if (_ownsDataDir) TryDelete(() => Directory.Delete(DataDir, recursive: true));
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private static void TryDelete(Action delete)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                delete();
                return;
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }
            catch (IOException)
            {
                Thread.Sleep(100);
            }
            catch (UnauthorizedAccessException)
            {
                Thread.Sleep(100);
            }
        }
    }

    public override string ToString() => $"broker {BrokerId} (http {HttpPort}, akka {AkkaPort}, pid {Pid})";
}
