using System.Collections.Immutable;
using System.Globalization;

namespace Cluster.Domain.Controller;

/// <summary>
/// The topic-level configs we support, with Kafka's names and defaults. Topics store only
/// what was set; <see cref="Effective"/> fills in the rest.
/// </summary>
public sealed record TopicConfig(
    int MinInsyncReplicas,
    long RetentionMs,
    long RetentionBytes,
    bool UncleanLeaderElection,
    int MaxMessageBytes)
{
    public const string MinInsyncReplicasKey = "min.insync.replicas";
    public const string RetentionMsKey = "retention.ms";
    public const string RetentionBytesKey = "retention.bytes";
    public const string UncleanLeaderElectionKey = "unclean.leader.election.enable";
    public const string MaxMessageBytesKey = "max.message.bytes";
    public const string CleanupPolicyKey = "cleanup.policy";

    private sealed record Definition(string Default, Func<string, string?> Validate);

    private static readonly ImmutableSortedDictionary<string, Definition> Definitions =
        new Dictionary<string, Definition>
        {
            [MinInsyncReplicasKey] = new("1", v => Long(v, 1, int.MaxValue)),
            [RetentionMsKey] = new("604800000", v => Long(v, -1, long.MaxValue)),
            [RetentionBytesKey] = new("-1", v => Long(v, -1, long.MaxValue)),
            [UncleanLeaderElectionKey] = new("false", v => v is "true" or "false" ? null : "must be true or false"),
            [MaxMessageBytesKey] = new("1048588", v => Long(v, 0, int.MaxValue)),
            // Only deletion is implemented; compaction is not, so it is refused rather than ignored.
            [CleanupPolicyKey] = new("delete", v => v == "delete" ? null : "only \"delete\" is supported"),
        }.ToImmutableSortedDictionary(StringComparer.Ordinal);

    public static readonly TopicConfig Default = From(ImmutableSortedDictionary<string, string>.Empty);

    public static IEnumerable<string> Keys => Definitions.Keys;

    private static string? Long(string value, long min, long max) =>
        long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? null
            : $"must be an integer between {min} and {max}";

    /// <summary>Null when every key is known and every value valid; otherwise the reason.</summary>
    public static string? Validate(IReadOnlyDictionary<string, string> configs)
    {
        foreach (var (key, value) in configs)
        {
            if (!Definitions.TryGetValue(key, out var definition)) return $"Unknown topic config '{key}'";
            if (value is null) return $"Config '{key}' has no value";
            if (definition.Validate(value) is { } problem) return $"Config '{key}' = '{value}': {problem}";
        }
        return null;
    }

    /// <summary>All configs, set or default, as Kafka's describe shows them.</summary>
    public static ImmutableSortedDictionary<string, string> Effective(IReadOnlyDictionary<string, string> configs) =>
        Definitions.ToImmutableSortedDictionary(d => d.Key, d => configs.GetValueOrDefault(d.Key) ?? d.Value.Default, StringComparer.Ordinal);

    public static TopicConfig From(IReadOnlyDictionary<string, string> configs)
    {
        var all = Effective(configs);
        return new TopicConfig(
            int.Parse(all[MinInsyncReplicasKey], CultureInfo.InvariantCulture),
            long.Parse(all[RetentionMsKey], CultureInfo.InvariantCulture),
            long.Parse(all[RetentionBytesKey], CultureInfo.InvariantCulture),
            all[UncleanLeaderElectionKey] == "true",
            int.Parse(all[MaxMessageBytesKey], CultureInfo.InvariantCulture));
    }
}
