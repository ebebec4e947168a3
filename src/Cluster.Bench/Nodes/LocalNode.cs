using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Cluster.Bench.Nodes;

/// <summary>
/// One node process the tool started (<c>dotnet Cluster.Node.dll ...</c> on 127.0.0.1 with
/// its own temp data dir and free ports), in the spirit of the end-to-end tests' NodeProcess:
/// start, wait for /v1/health, SIGTERM, SIGKILL, start again on the same data, and its
/// memory and CPU from /proc.
/// </summary>
public sealed class LocalNode : IDisposable
{
    private readonly string _nodeDll;
    private readonly string? _configFile;
    private readonly string _logPath;
    private readonly object _logLock = new();
    private StreamWriter? _log;
    private Process? _process;
    /// <summary>The last process's peak memory, read just before it was signalled (a dead process has no /proc entry).</summary>
    private double _peakMbBeforeSignal;

    private readonly IReadOnlyDictionary<string, string> _environment;

    public LocalNode(int brokerId, string nodeDll, string dataDir, string logDir, string? configFile,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        _environment = environment ?? new Dictionary<string, string>();
        BrokerId = brokerId;
        _nodeDll = nodeDll;
        _configFile = configFile;
        DataDir = dataDir;
        AkkaPort = FreePort();
        HttpPort = FreePort();
        _logPath = Path.Combine(logDir, $"broker-{brokerId}.log");
        Directory.CreateDirectory(DataDir);
    }

    public int BrokerId { get; }
    public int AkkaPort { get; }
    public int HttpPort { get; }
    public string DataDir { get; }
    public string LogPath => _logPath;
    public string AkkaAddress => $"127.0.0.1:{AkkaPort}";
    public Uri BaseUri => new($"http://127.0.0.1:{HttpPort}/");
    public IReadOnlyList<string> Seeds { get; set; } = [];
    public int? Pid => _process is { HasExited: false } p ? p.Id : null;
    public bool IsRunning => _process is { HasExited: false };
    /// <summary>When the current process was started (for restart timings).</summary>
    public long StartedAtTimestamp { get; private set; }

    public void Start()
    {
        if (IsRunning) throw new InvalidOperationException($"broker {BrokerId} is already running");
        _process?.Dispose();
        var start = new ProcessStartInfo(DotnetHost)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = DataDir,
        };
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("CLUSTER_", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(key);
        foreach (var (key, value) in _environment) start.Environment[key] = value;
        start.ArgumentList.Add(_nodeDll);
        void Arg(string name, object value)
        {
            start.ArgumentList.Add(name);
            start.ArgumentList.Add(Convert.ToString(value, CultureInfo.InvariantCulture)!);
        }
        Arg("--broker-id", BrokerId);
        Arg("--hostname", "127.0.0.1");
        Arg("--port", AkkaPort);
        Arg("--http-port", HttpPort);
        Arg("--kafka-port", 0);
        Arg("--data-dir", DataDir);
        Arg("--seed-nodes", Seeds.Count > 0 ? string.Join(",", Seeds) : AkkaAddress);
        if (_configFile is not null) Arg("--config", _configFile);

        lock (_logLock)
        {
            _log ??= new StreamWriter(_logPath, append: true) { AutoFlush = true };
            _log.WriteLine($"=== start at {DateTime.UtcNow:O}: {start.FileName} {string.Join(' ', start.ArgumentList)}");
        }
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => WriteLog(e.Data);
        process.ErrorDataReceived += (_, e) => WriteLog(e.Data is null ? null : "[stderr] " + e.Data);
        StartedAtTimestamp = Stopwatch.GetTimestamp();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    /// <summary>Polls GET /v1/health until 200.</summary>
    public async Task WaitHealthyAsync(HttpClient http, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var health = new Uri(BaseUri, "/v1/health");
        while (true)
        {
            if (!IsRunning) throw new InvalidOperationException($"broker {BrokerId} exited with code {_process?.ExitCode} (log: {_logPath})");
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                using var response = await http.GetAsync(health, cts.Token);
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"broker {BrokerId} not healthy within {timeout.TotalSeconds} s (log: {_logPath})");
            await Task.Delay(50);
        }
    }

    /// <summary>SIGKILL, and the time it was sent.</summary>
    public long Kill()
    {
        RememberMemory();
        var at = Stopwatch.GetTimestamp();
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: false);
            p.WaitForExit(10_000);
            WriteLog($"=== SIGKILL at {DateTime.UtcNow:O}");
        }
        return at;
    }

    /// <summary>SIGTERM (controlled shutdown) and wait; SIGKILL after the timeout.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (_process is not { HasExited: false } p) return;
        RememberMemory();
        if (SysKill(p.Id, 15) != 0) return;
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    /// <summary>
    /// Peak resident memory (VmHWM) and current (VmRSS) in MiB, from /proc/&lt;pid&gt;/status; for a
    /// process that was stopped or killed, its peak read just before the signal (current 0).
    /// </summary>
    public (double PeakMb, double CurrentMb) Memory() =>
        Pid is { } pid ? ProcStatus.Memory(pid) : (_peakMbBeforeSignal, 0);

    private void RememberMemory()
    {
        if (Pid is { } pid) _peakMbBeforeSignal = ProcStatus.Memory(pid).PeakMb;
    }

    public TimeSpan CpuTime()
    {
        try
        {
            if (_process is not { HasExited: false } p) return TimeSpan.Zero;
            p.Refresh();
            return p.TotalProcessorTime;
        }
        catch (InvalidOperationException)
        {
            return TimeSpan.Zero;
        }
    }

    private void WriteLog(string? line)
    {
        if (line is null) return;
        lock (_logLock) _log?.WriteLine(line);
    }

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
        lock (_logLock)
        {
            _log?.Dispose();
            _log = null;
        }
    }

    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static readonly HashSet<int> Given = new();

    public static int FreePort()
    {
        while (true)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            lock (Given)
                if (Given.Add(port)) return port;
        }
    }

    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    private static extern int SysKill(int pid, int signal);
}

/// <summary>/proc readings (Linux).</summary>
public static class ProcStatus
{
    public static (double PeakMb, double CurrentMb) Memory(int pid)
    {
        try
        {
            double peak = 0, current = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) peak = Kb(line) / 1024.0;
                else if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) current = Kb(line) / 1024.0;
            }
            return (peak, current);
        }
        catch (IOException)
        {
            return (0, 0);
        }
        catch (UnauthorizedAccessException)
        {
            return (0, 0);
        }
    }

    private static long Kb(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    /// <summary>The 1-, 5- and 15-minute load averages.</summary>
    public static double[] LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return parts.Take(3).Select(p => double.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (IOException)
        {
            return [0, 0, 0];
        }
    }

    /// <summary>Busy and total jiffies of all CPUs together (/proc/stat's first line).</summary>
    public static (long Busy, long Total) MachineCpu()
    {
        try
        {
            var first = File.ReadLines("/proc/stat").First();
            var v = first.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            var idle = v[3] + (v.Length > 4 ? v[4] : 0); // idle + iowait
            var total = v.Take(8).Sum();
            return (total - idle, total);
        }
        catch (IOException)
        {
            return (0, 0);
        }
    }

    public static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? "unknown" : line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    public static double MemoryGb()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            return Math.Round(long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0 / 1024.0, 1);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
