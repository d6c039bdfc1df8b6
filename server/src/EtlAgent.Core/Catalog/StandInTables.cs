using EtlAgent.Core.Model;

namespace EtlAgent.Core.Catalog;

/// <summary>
/// How stand-in tables (objects defined nowhere, shaped by the code that uses them) are typed and
/// described: the wide type of a column no use types, the `externalObjects` entry that would
/// declare one, and the one-line account the generator and the test files give of each.
/// </summary>
public static class StandInTables
{
    /// <summary>The type of a column no typed use tells: any value the code could give fits.</summary>
    public static readonly SqlType WideType = new("nvarchar", 4000);

    /// <summary>A ready-to-paste `externalObjects` entry declaring the stand-in with its inferred columns (JSON).</summary>
    public static string ManifestSnippet(TableDef standIn)
    {
        var columns = standIn.Columns.Select(c => $"\"{Escape(c.Name)}\": \"{Escape(c.Type.ToString())} NULL\"");
        return $"{{ \"name\": \"{Escape(standIn.Name.ToString())}\", \"columns\": {{ {string.Join(", ", columns)} }} }}";

        static string Escape(string s) => s.Replace("\\", "\\\\").Replace("\"", "\\\"");
    }

    /// <summary>"file:line" of a location, as the output and the test files cite it.</summary>
    public static string FileLine(Location location) => $"{location.File}:{location.Range.Start.Line + 1}";

    /// <summary>"dbo.Log (first used at f.sql:12; 3 columns, 2 typed by the code)": one line however wide the table.</summary>
    public static string Summary(TableDef standIn)
    {
        int typed = standIn.StandIn?.Columns.Count(c => c.TypeFrom is not null) ?? 0;
        var where = standIn.StandIn is { } origin ? $"first used at {FileLine(origin.FirstUse)}; " : "";
        return $"{standIn.Name} ({where}{standIn.Columns.Count} column{(standIn.Columns.Count == 1 ? "" : "s")}, {typed} typed by the code)";
    }

    /// <summary>"dbo.Log (first used at f.sql:12): a int (from @a (int) at f.sql:14), b nvarchar(4000) (no typed use)".</summary>
    public static string Describe(TableDef standIn)
    {
        var origin = standIn.StandIn;
        var columns = standIn.Columns.Select(c =>
        {
            var from = origin?.Columns.FirstOrDefault(o => string.Equals(o.Name, c.Name, StringComparison.OrdinalIgnoreCase))?.TypeFrom;
            return $"{c.Name} {c.Type} ({from ?? "no typed use"})";
        });
        var where = origin is null ? "" : $" (first used at {FileLine(origin.FirstUse)})";
        return $"{standIn.Name}{where}: {string.Join(", ", columns)}";
    }
}
