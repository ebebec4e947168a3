using System.Diagnostics;

namespace Cluster.Cli.Tests.Infrastructure;

/// <summary>
/// Debian's <c>chromium</c> run headless once per call (<c>--dump-dom</c> or <c>--screenshot</c>),
/// with a fresh profile directory that is deleted afterwards and a bounded run time.
/// <c>--virtual-time-budget</c> lets the page's timers and fetches run before the DOM is taken.
/// </summary>
public static class HeadlessChromium
{
    public static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(90);

    public static string Executable =>
        Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static void EnsureInstalled()
    {
        if (!File.Exists(Executable))
            throw new InvalidOperationException(
                $"{Executable} is missing: install Debian's chromium (apt-get install -y chromium), as .ci/run does, or set CHROMIUM_PATH");
    }

    public static async Task<string> DumpDomAsync(Uri url, int virtualTimeBudgetMs)
    {
        var (output, _) = await RunAsync(url, virtualTimeBudgetMs, "--dump-dom");
        return output;
    }

    public static async Task ScreenshotAsync(Uri url, string pngPath, int virtualTimeBudgetMs, int width = 1280, int height = 900) =>
        await RunAsync(url, virtualTimeBudgetMs, $"--screenshot={pngPath}", $"--window-size={width},{height}");

    private static async Task<(string Out, string Error)> RunAsync(Uri url, int virtualTimeBudgetMs, params string[] mode)
    {
        EnsureInstalled();
        var profile = Directory.CreateTempSubdirectory("cluster-cli-chromium-");
        try
        {
            var start = new ProcessStartInfo(Executable)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var arg in new[]
                     {
                         "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--disable-dev-shm-usage", $"--user-data-dir={profile.FullName}", $"--virtual-time-budget={virtualTimeBudgetMs}",
                     })
                start.ArgumentList.Add(arg);
            foreach (var arg in mode) start.ArgumentList.Add(arg);
            start.ArgumentList.Add(url.ToString());

            using var process = Process.Start(start) ?? throw new InvalidOperationException("chromium did not start");
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(RunTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"chromium {string.Join(' ', mode)} did not finish within {RunTimeout.TotalSeconds} s\n{await error}");
            }
            if (process.ExitCode != 0) throw new InvalidOperationException($"chromium exited with {process.ExitCode}\n{await error}");
            return (await output, await error);
        }
        finally
        {
            try
            {
                profile.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A crash reporter may still hold a file; the temp dir is cleaned by the system.
            }
        }
    }
}
