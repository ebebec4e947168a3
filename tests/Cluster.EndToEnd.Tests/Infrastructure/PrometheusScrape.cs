using System.Globalization;
using System.Text.RegularExpressions;

namespace Cluster.EndToEnd.Tests.Infrastructure;

/// <summary>One sample of a Prometheus text exposition: name, labels, value.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// A node's GET /metrics, parsed (Prometheus text format 0.0.4: <c>name{label="value",...} number</c>
/// per line, comments skipped), with lookups by name and a subset of labels.
/// </summary>
public sealed partial class PrometheusScrape
{
    private PrometheusScrape(string text, IReadOnlyList<PrometheusSample> samples)
    {
        Text = text;
        Samples = samples;
    }

    public string Text { get; }
    public IReadOnlyList<PrometheusSample> Samples { get; }

    public static async Task<PrometheusScrape> FromAsync(NodeProcess node)
    {
        var response = await node.Http.GetAsync("/metrics", TimeSpan.FromSeconds(10));
        if (response.Status != 200) throw new InvalidOperationException($"GET /metrics on broker {node.BrokerId}: {response}");
        if (response.ContentType?.StartsWith("text/plain", StringComparison.Ordinal) != true)
            throw new InvalidOperationException($"GET /metrics on broker {node.BrokerId} answered {response.ContentType}");
        return Parse(response.Body);
    }

    public static PrometheusScrape Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var match = SampleLine().Match(line);
            if (!match.Success) throw new FormatException($"not a Prometheus sample line: {line}");
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match label in LabelPair().Matches(match.Groups["labels"].Value))
                labels[label.Groups["name"].Value] = label.Groups["value"].Value.Replace("\\\"", "\"").Replace("\\\\", "\\");
            var value = match.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                var number => double.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            samples.Add(new PrometheusSample(match.Groups["name"].Value, labels, value));
        }
        return new PrometheusScrape(text, samples);
    }

    public IEnumerable<PrometheusSample> Find(string name, params (string Name, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value));

    /// <summary>The one sample of this name with these labels; null when there is none.</summary>
    public double? Value(string name, params (string Name, string Value)[] labels)
    {
        var found = Find(name, labels).ToList();
        if (found.Count > 1)
            throw new InvalidOperationException($"{found.Count} samples of {name} match {string.Join(",", labels)}");
        return found.Count == 0 ? null : found[0].Value;
    }

    /// <summary>The sum of the samples of this name with these labels (0 when there are none).</summary>
    public double Sum(string name, params (string Name, string Value)[] labels) => Find(name, labels).Sum(s => s.Value);

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\d+)?$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"(?<name>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}
