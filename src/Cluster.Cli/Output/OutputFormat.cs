using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cluster.Cli.Output;

public enum OutputFormat
{
    Table,
    Json,
}

/// <summary>
/// JSON for scripts: camelCase, indented for whole answers, one compact object per line for
/// streams (consume). Shapes are the contract's where the CLI shows what the server said.
/// </summary>
public static class JsonOutput
{
    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    private static readonly JsonSerializerOptions Compact = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static void Write(TextWriter writer, object value) => writer.WriteLine(JsonSerializer.Serialize(value, value.GetType(), Indented));

    public static void WriteLine(TextWriter writer, object value) => writer.WriteLine(JsonSerializer.Serialize(value, value.GetType(), Compact));
}
