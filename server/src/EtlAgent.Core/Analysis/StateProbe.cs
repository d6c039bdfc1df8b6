using System.Text;
using System.Text.RegularExpressions;
using EtlAgent.Core.Sandbox;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Analysis;

/// <summary>One probe: after the statement at <see cref="Statement"/> (its position among the leaf statements), the tables it wrote, read back as result sets.</summary>
public sealed record ProbePoint(int Statement, IReadOnlyList<string> Tables);

/// <summary>What one probe read in one run: the statement it follows and each table's rows (null when the read failed).</summary>
public sealed record ProbeReading(int Statement, IReadOnlyList<(string Table, ResultSet? Rows)> Tables);

/// <summary>
/// Instruments a transformation's text so one run shows the table state after every statement that
/// writes a table: each such statement is wrapped as <c>BEGIN stmt; marker; SELECT * FROM target; END</c>
/// (valid wherever a statement is, an IF's branch included), the marker a one-row result set naming
/// the statement. A statement followed by one that reads @@ROWCOUNT or @@ERROR is not probed (the
/// probe's SELECT would change what it reads).
/// </summary>
public static class StateProbe
{
    public const string MarkerColumn = "__etl_probe";

    /// <returns>The instrumented text and its probes, in text order; no probes when nothing writes a table.</returns>
    public static (string Text, IReadOnlyList<ProbePoint> Probes) Instrument(string text, IReadOnlyList<IndexedStatement> leaves)
    {
        var probes = new List<ProbePoint>();
        var edits = new List<(int Start, int End, string Before, string After)>();
        for (int i = 0; i < leaves.Count; i++)
        {
            var s = leaves[i];
            var tables = Targets(s.Node);
            if (tables.Count == 0) continue;
            var next = leaves.Skip(i + 1).FirstOrDefault(n => n.Start >= s.End);
            if (next is not null && Regex.IsMatch(next.Text, @"@@ROWCOUNT|@@ERROR|ROWCOUNT_BIG\s*\(", RegexOptions.IgnoreCase)) continue;
            // a probe inside another probed statement's span would be cut by its wrapping
            if (edits.Any(e => s.Start < e.End && e.Start < s.End)) continue;
            var after = new StringBuilder();
            if (!s.Text.TrimEnd().EndsWith(';')) after.Append(';');
            after.Append($"\nSELECT N'{i}' AS [{MarkerColumn}];");
            foreach (var table in tables) after.Append($"\nSELECT * FROM {table};");
            after.Append("\nEND");
            edits.Add((s.Start, s.End, "BEGIN ", after.ToString()));
            probes.Add(new ProbePoint(i, tables));
        }
        var sb = new StringBuilder(text);
        foreach (var (start, end, before, after) in edits.OrderByDescending(e => e.Start))
        {
            sb.Insert(end, after);
            sb.Insert(start, before);
        }
        return (sb.ToString(), probes);
    }

    /// <summary>The readings of one run, in the order the probes ran (a loop's probe once per pass); the run's own result sets are skipped.</summary>
    public static List<ProbeReading> Read(IReadOnlyList<ResultSet> resultSets, IReadOnlyList<ProbePoint> probes)
    {
        var byStatement = probes.ToDictionary(p => p.Statement);
        var readings = new List<ProbeReading>();
        for (int i = 0; i < resultSets.Count; i++)
        {
            var rs = resultSets[i];
            if (rs.Columns.Count != 1 || !string.Equals(rs.Columns[0], MarkerColumn, StringComparison.OrdinalIgnoreCase) || rs.Rows.Count != 1) continue;
            if (!int.TryParse(Convert.ToString(rs.Rows[0][MarkerColumn], System.Globalization.CultureInfo.InvariantCulture), out var k) || !byStatement.TryGetValue(k, out var probe)) continue;
            var tables = new List<(string, ResultSet?)>();
            for (int j = 0; j < probe.Tables.Count; j++)
            {
                var next = i + 1 + j < resultSets.Count ? resultSets[i + 1 + j] : null;
                // a read that failed leaves no result set: the next marker is not this table's rows
                if (next is not null && next.Columns.Count == 1 && string.Equals(next.Columns[0], MarkerColumn, StringComparison.OrdinalIgnoreCase)) next = null;
                tables.Add((probe.Tables[j], next));
            }
            readings.Add(new ProbeReading(k, tables));
            i += tables.Count(t => t.Item2 is not null);
        }
        return readings;
    }

    /// <summary>The tables a data-changing statement writes, as written in the code (an UPDATE or DELETE through an alias resolved to its table).</summary>
    public static IReadOnlyList<string> Targets(TSqlStatement statement)
    {
        TableReference? target = statement switch
        {
            InsertStatement i => i.InsertSpecification?.Target,
            UpdateStatement u => u.UpdateSpecification?.Target,
            DeleteStatement d => d.DeleteSpecification?.Target,
            MergeStatement m => m.MergeSpecification?.Target,
            TruncateTableStatement t => t.TableName is { } n ? new NamedTableReference { SchemaObject = n } : null,
            SelectStatement { Into: { } into } => new NamedTableReference { SchemaObject = into },
            _ => null,
        };
        if (target is null) return Array.Empty<string>();
        FromClause? from = statement switch
        {
            UpdateStatement u => u.UpdateSpecification?.FromClause,
            DeleteStatement d => d.DeleteSpecification?.FromClause,
            _ => null,
        };
        return Name(target, from) is { } name ? new[] { name } : Array.Empty<string>();
    }

    private static string? Name(TableReference target, FromClause? from)
    {
        switch (target)
        {
            case VariableTableReference v:
                return v.Variable.Name;
            case NamedTableReference n:
                var ids = n.SchemaObject.Identifiers;
                if (ids.Count == 1 && from is not null && Aliased(from, ids[0].Value) is { } real) return real;
                return string.Join(".", ids.Select(Quote));
            default:
                return null;
        }
    }

    /// <summary>The table an alias of the FROM clause stands for.</summary>
    private static string? Aliased(FromClause from, string alias)
    {
        var finder = new AliasFinder(alias);
        from.Accept(finder);
        return finder.Found;
    }

    private static string Quote(Identifier id) => id.Value.StartsWith('#') || id.Value.StartsWith('@') ? id.Value : "[" + id.Value.Replace("]", "]]") + "]";

    private sealed class AliasFinder(string alias) : TSqlFragmentVisitor
    {
        public string? Found;
        public override void Visit(NamedTableReference node)
        {
            if (Found is null && node.Alias is { } a && string.Equals(a.Value, alias, StringComparison.OrdinalIgnoreCase))
                Found = string.Join(".", node.SchemaObject.Identifiers.Select(Quote));
        }
        public override void Visit(VariableTableReference node)
        {
            if (Found is null && node.Alias is { } a && string.Equals(a.Value, alias, StringComparison.OrdinalIgnoreCase)) Found = node.Variable.Name;
        }
    }
}
