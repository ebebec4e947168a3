using System.Diagnostics;
using System.Globalization;

namespace Cluster.Cli.Output;

/// <summary>
/// Progress of a long operation on stderr, in records per second. On a terminal the line is
/// redrawn in place twice a second; otherwise (a log file, a pipe) a line is printed every
/// two seconds. Nothing is printed for operations shorter than a second.
/// </summary>
public sealed class Progress(TextWriter error, bool terminal, string verb)
{
    private static readonly TimeSpan QuietStart = TimeSpan.FromSeconds(1);

    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private readonly TimeSpan _interval = terminal ? TimeSpan.FromMilliseconds(500) : TimeSpan.FromSeconds(2);
    private TimeSpan _lastPrint = TimeSpan.Zero;
    private bool _drawn;

    public TimeSpan Elapsed => _watch.Elapsed;

    public void Report(long count)
    {
        var now = _watch.Elapsed;
        if (now < QuietStart || now - _lastPrint < _interval) return;
        _lastPrint = now;
        var line = $"{verb} {count.ToString("N0", CultureInfo.InvariantCulture)} records ({Rate(count, now)} records/s)";
        if (terminal)
        {
            error.Write("\r" + line.PadRight(60));
            _drawn = true;
        }
        else error.WriteLine(line);
        error.Flush();
    }

    /// <summary>Clears the redrawn line, and returns the summary "N records in T s (R records/s)".</summary>
    public string Finish(long count)
    {
        if (_drawn)
        {
            error.Write("\r" + new string(' ', 60) + "\r");
            error.Flush();
        }
        var elapsed = _watch.Elapsed;
        return $"{count.ToString("N0", CultureInfo.InvariantCulture)} records in {elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s ({Rate(count, elapsed)} records/s)";
    }

    private static string Rate(long count, TimeSpan elapsed) =>
        (elapsed.TotalSeconds <= 0 ? 0 : count / elapsed.TotalSeconds).ToString("N0", CultureInfo.InvariantCulture);
}
