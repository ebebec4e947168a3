using System.Text;

namespace Cluster.Cli.Output;

/// <summary>
/// Plain aligned columns with an upper-case header, as kafka-topics and rpk print them: easy to
/// read, to grep and to paste, and the same whether or not the output is a terminal.
/// </summary>
public sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public int RowCount => _rows.Count;

    public TextTable Add(params object?[] cells)
    {
        if (cells.Length != headers.Length) throw new ArgumentException($"{headers.Length} cells expected, got {cells.Length}");
        _rows.Add(cells.Select(Format).ToArray());
        return this;
    }

    public void WriteTo(TextWriter writer)
    {
        var widths = headers.Select(h => h.Length).ToArray();
        foreach (var row in _rows)
            for (var i = 0; i < row.Length; i++)
                widths[i] = Math.Max(widths[i], row[i].Length);

        WriteRow(writer, headers, widths);
        foreach (var row in _rows) WriteRow(writer, row, widths);
    }

    public override string ToString()
    {
        using var writer = new StringWriter();
        WriteTo(writer);
        return writer.ToString();
    }

    private static void WriteRow(TextWriter writer, string[] cells, int[] widths)
    {
        var line = new StringBuilder();
        for (var i = 0; i < cells.Length; i++)
        {
            if (i < cells.Length - 1) line.Append(cells[i].PadRight(widths[i] + 2));
            else line.Append(cells[i]);
        }
        writer.WriteLine(line.ToString().TrimEnd());
    }

    public static string Format(object? value) => value switch
    {
        null => "-",
        string s => s,
        IEnumerable<int> ints => "[" + string.Join(",", ints) + "]",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
