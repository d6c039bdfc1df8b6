using System.Text;
using EtlAgent.Core.Model;

namespace EtlAgent.Core.Reporting;

/// <summary>One transformation's table and column lineage as Markdown, for people.</summary>
public static class LineageReport
{
    /// <summary>"reads 5 tables · writes 3 tables": the one-line summary an editor shows above a transformation.</summary>
    public static string Summary(Transformation t) =>
        $"reads {Count(t.Reads.Count, "table")} · writes {Count(t.Writes.Count, "table")}";

    public static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";

    public static string Markdown(Transformation t)
    {
        var sb = new StringBuilder();
        sb.Append("# Lineage of ").Append(t.Name).Append("\n\n");
        sb.Append("*").Append(t.Kind.ToString().ToLowerInvariant()).Append("* in `").Append(t.File).Append("` line ").Append(t.HeaderRange.Start.Line + 1).Append("\n\n");
        sb.Append("**Reads:** ").Append(t.Reads.Count == 0 ? "nothing" : string.Join(", ", t.Reads.Select(r => $"`{r}`"))).Append("  \n");
        sb.Append("**Writes:** ").Append(t.Writes.Count == 0 ? "nothing" : string.Join(", ", t.Writes.Select(r => $"`{r}`"))).Append("  \n");
        if (t.Calls.Count > 0) sb.Append("**Calls:** ").Append(string.Join(", ", t.Calls.Select(r => $"`{r}`"))).Append("  \n");
        sb.Append('\n');
        if (t.Columns.Count == 0)
        {
            sb.Append("No column lineage (nothing written, or the tables are not in the catalog).\n");
            return sb.ToString();
        }
        sb.Append("| Target column | Sources | Mapping | Line |\n|---|---|---|---|\n");
        foreach (var c in t.Columns)
            sb.Append("| `").Append(c.Target).Append("` | ")
              .Append(c.Sources.Count == 0 ? "—" : string.Join(", ", c.Sources.Select(s => $"`{s}`")))
              .Append(" | ").Append(c.Mapping.ToString().ToLowerInvariant())
              .Append(" | ").Append(c.Location is null ? "" : (c.Location.Range.Start.Line + 1).ToString())
              .Append(" |\n");
        return sb.ToString();
    }
}
