using System.Diagnostics;
using Cluster.Bench.Nodes;

namespace Cluster.Bench.Stats;

/// <summary>CPU used by this process and by the whole machine over an interval, as shares of all cores.</summary>
public readonly record struct CpuUsage(double Seconds, double ToolCpuSeconds, double ToolPercentOfMachine, double MachineBusyPercent);

public sealed class CpuMeter
{
    private readonly long _start;
    private readonly TimeSpan _toolStart;
    private readonly (long Busy, long Total) _machineStart;

    private CpuMeter()
    {
        _start = Stopwatch.GetTimestamp();
        _toolStart = Process.GetCurrentProcess().TotalProcessorTime;
        _machineStart = ProcStatus.MachineCpu();
    }

    public static CpuMeter Start() => new();

    public CpuUsage Stop()
    {
        var seconds = Stopwatch.GetElapsedTime(_start).TotalSeconds;
        var tool = (Process.GetCurrentProcess().TotalProcessorTime - _toolStart).TotalSeconds;
        var machine = ProcStatus.MachineCpu();
        var busy = machine.Total - _machineStart.Total > 0
            ? 100.0 * (machine.Busy - _machineStart.Busy) / (machine.Total - _machineStart.Total)
            : 0;
        return new CpuUsage(seconds, Math.Round(tool, 2), Math.Round(100.0 * tool / (seconds * Environment.ProcessorCount), 1), Math.Round(busy, 1));
    }
}
