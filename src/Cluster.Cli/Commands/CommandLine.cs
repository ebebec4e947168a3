using System.CommandLine;
using System.Globalization;

namespace Cluster.Cli.Commands;

/// <summary>Small helpers shared by the commands: actions with the context, and k=v configs.</summary>
internal static class CommandLine
{
    public static void SetAction(this Command command, Func<ParseResult, CommandContext> context,
        Func<ParseResult, CommandContext, CancellationToken, Task<int>> action) =>
        command.SetAction((parsed, cancellation) => action(parsed, context(parsed), cancellation));

    /// <summary><c>--config k=v</c>, repeatable; the value may itself contain '='.</summary>
    public static Option<string[]> ConfigOption(string description) => new("--config", "-c")
    {
        Description = description,
        AllowMultipleArgumentsPerToken = false,
        Arity = ArgumentArity.ZeroOrMore,
        HelpName = "key=value",
    };

    public static IReadOnlyDictionary<string, string> ParseConfigs(IEnumerable<string>? items)
    {
        var configs = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in items ?? [])
        {
            var eq = item.IndexOf('=');
            if (eq <= 0) throw new UsageException($"--config '{item}' is not key=value");
            var key = item[..eq].Trim();
            if (configs.ContainsKey(key)) throw new UsageException($"--config '{key}' is given twice");
            configs[key] = item[(eq + 1)..];
        }
        return configs;
    }

    /// <summary>earliest, latest or a non-negative offset.</summary>
    public static StartPosition ParsePosition(string text, string option)
    {
        if (string.Equals(text, "earliest", StringComparison.OrdinalIgnoreCase) || string.Equals(text, "beginning", StringComparison.OrdinalIgnoreCase))
            return StartPosition.Earliest;
        if (string.Equals(text, "latest", StringComparison.OrdinalIgnoreCase) || string.Equals(text, "end", StringComparison.OrdinalIgnoreCase))
            return StartPosition.Latest;
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            return StartPosition.At(offset);
        throw new UsageException($"{option} '{text}' must be earliest, latest or an offset (0 or more)");
    }
}

/// <summary>Where to start reading a partition: its log start, its high watermark, or an offset.</summary>
public sealed record StartPosition(string Kind, long Offset)
{
    public static readonly StartPosition Earliest = new("earliest", -2);
    public static readonly StartPosition Latest = new("latest", -1);

    public static StartPosition At(long offset) => new("offset", offset);

    public bool IsOffset => Kind == "offset";

    public override string ToString() => IsOffset ? Offset.ToString(CultureInfo.InvariantCulture) : Kind;
}
