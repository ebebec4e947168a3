using System.Runtime.InteropServices;

namespace Cluster.EndToEnd.Tests.Infrastructure;

/// <summary>POSIX signals to child processes (the tests run on Linux).</summary>
public static class Signals
{
    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int SigCont = 18;
    public const int SigStop = 19;

    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    private static extern int SysKill(int pid, int signal);

    public static void Send(int pid, int signal)
    {
        if (SysKill(pid, signal) != 0)
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }
}
