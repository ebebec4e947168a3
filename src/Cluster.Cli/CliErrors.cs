namespace Cluster.Cli;

/// <summary>Exit codes: 0 success, 1 the server refused or could not be reached, 2 the command line was wrong.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int ServerError = 1;
    public const int Usage = 2;
    public const int Interrupted = 130;
}

/// <summary>The command line asks for something that cannot work (exit code 2), found after parsing.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// A refusal that is not the server's JSON error: a check the CLI makes itself (for example
/// resetting the offsets of a group that has members). Printed like a server error, exit code 1.
/// </summary>
public sealed class CliFailure(string error, string message) : Exception(message)
{
    public string Error { get; } = error;
}
