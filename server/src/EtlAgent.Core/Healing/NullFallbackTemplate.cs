using System.Globalization;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox.Runner;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Healing;

/// <summary>
/// A dropped NULL fallback, repaired from what the failing case expected: where a row was found with
/// NULL in a column and the expected row that is otherwise the same holds one value there (an
/// unknown-member key, a default), or where the call stopped on a NULL a NOT NULL column refuses,
/// the expression the suspect statement writes to that column is wrapped in ISNULL with the value
/// the case expects there. Unlike the other templates it reads the failure, since the
/// fallback value is nowhere in the faulty code.
/// </summary>
public static class NullFallbackTemplate
{
    public static IReadOnlyList<RepairCandidate> For(TransformationAnalysis t, SchemaCatalog catalog, HealFailure failure, IReadOnlyList<SuspectStatement> suspects)
    {
        if (!t.HasSyntax) return Array.Empty<RepairCandidate>();
        var fallbacks = Fallbacks(failure, catalog);
        if (fallbacks.Count == 0) return Array.Empty<RepairCandidate>();
        var result = new List<RepairCandidate>();
        foreach (var s in suspects.Where(s => s.File == t.Transformation.File))
        {
            var visitor = new Writes(s);
            foreach (var f in t.Syntax.Body) f.Accept(visitor);
            var text = t.Document.Text;
            foreach (var (column, expression) in visitor.Found)
            {
                if (!fallbacks.TryGetValue(column, out var literals)) continue;
                var written = text.Substring(expression.StartOffset, expression.FragmentLength);
                foreach (var literal in literals)
                    result.Add(new RepairCandidate(HealKinds.Code, HealClasses.NullPropagation, $"fall back to {literal} when [{column}] is NULL: ISNULL({Short(written)}, {literal})",
                    new[] { SpanEdits.Replace(t.Transformation.File, text, expression.StartOffset, expression.StartOffset + expression.FragmentLength, $"ISNULL({written}, {literal})") }, "template"));
            }
        }
        return result.DistinctBy(c => (c.Edits[0].Range.StartOffset, c.Edits[0].NewText)).ToList();
    }

    /// <summary>
    /// Per column, the fallback values to try, as T-SQL literals of the column's type: the one value
    /// the expected rows hold where the rows found, otherwise the same, hold NULL; or, when the call
    /// stopped on a NULL a NOT NULL column refuses (error 515), the values the case expects in that
    /// column that none of its given rows holds (a default the code wrote, not a value it copied).
    /// </summary>
    internal static IReadOnlyDictionary<string, IReadOnlyList<string>> Fallbacks(HealFailure failure, SchemaCatalog catalog)
    {
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var kv in FromRows(failure, catalog)) result[kv.Key] = new[] { kv.Value };
        foreach (var kv in FromRefusedNulls(failure, catalog)) result.TryAdd(kv.Key, kv.Value);
        return result;
    }

    /// <summary>Most a refused NULL tries: the verifier decides among them.</summary>
    private const int MaxRefusedNullValues = 3;

    private static Dictionary<string, IReadOnlyList<string>> FromRefusedNulls(HealFailure failure, SchemaCatalog catalog)
    {
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var f in failure.Failing)
            foreach (var e in f.Failures.OfType<ErrorMismatch>().Where(e => e.Actual is { Number: 515 }))
            {
                var m = System.Text.RegularExpressions.Regex.Match(e.Actual!.Message, @"column '([^']+)', table '([^']+)'");
                if (!m.Success) continue;
                string column = m.Groups[1].Value, table = m.Groups[2].Value.Split('.')[^1];
                var given = f.Case.Given.SelectMany(g => g.Rows).SelectMany(r => r.Cells).Select(c => Convert.ToString(c.Value, CultureInfo.InvariantCulture)).ToHashSet(StringComparer.Ordinal);
                foreach (var x in f.Case.Expect.Tables.Where(x => x.Table is { } n && string.Equals(n.Name, table, StringComparison.OrdinalIgnoreCase)))
                {
                    var type = catalog.Find(x.Table!.Value)?.Columns.FirstOrDefault(c => string.Equals(c.Name, column, StringComparison.OrdinalIgnoreCase))?.Type;
                    var values = x.Rows.Where(r => r.Has(column)).Select(r => r[column]).OfType<object>()
                        .Where(v => !given.Contains(Convert.ToString(v, CultureInfo.InvariantCulture)!))
                        .Select(v => Literal(v, type)).OfType<string>().Distinct(StringComparer.Ordinal).Take(MaxRefusedNullValues).ToList();
                    if (values.Count > 0) result.TryAdd(column, values);
                }
            }
        return result;
    }

    private static Dictionary<string, string> FromRows(HealFailure failure, SchemaCatalog catalog)
    {
        var values = new Dictionary<string, HashSet<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var m in failure.Failing.SelectMany(f => f.Failures).OfType<RowsMismatch>())
        {
            var table = m.Table is { } name ? catalog.Find(name) : null;
            for (int k = 0; k < m.Diff.Columns.Count; k++)
                foreach (var found in m.Diff.Unexpected.Where(r => k < r.Count && r[k] is null))
                {
                    // the expected rows that differ from this one only in the column
                    var twins = m.Diff.Missing.Where(e => e.Count == found.Count && e[k] is not null
                        && Enumerable.Range(0, found.Count).All(j => j == k || Same(e[j], found[j]))).ToList();
                    foreach (var e in twins)
                        if (Literal(e[k]!, table?.Columns.FirstOrDefault(c => string.Equals(c.Name, m.Diff.Columns[k], StringComparison.OrdinalIgnoreCase))?.Type) is { } literal)
                            (values.TryGetValue(m.Diff.Columns[k], out var set) ? set : values[m.Diff.Columns[k]] = new HashSet<string>(StringComparer.Ordinal)).Add(literal);
                }
        }
        // several values: the fallback is not one constant (another column, an expression), no template for that
        return values.Where(kv => kv.Value.Count == 1).ToDictionary(kv => kv.Key, kv => kv.Value.Single(), StringComparer.OrdinalIgnoreCase);
    }

    private static bool Same(object? a, object? b) =>
        string.Equals(Convert.ToString(a, CultureInfo.InvariantCulture), Convert.ToString(b, CultureInfo.InvariantCulture), StringComparison.Ordinal);

    private static string? Literal(object value, SqlType? type)
    {
        bool numeric = type is { } ty && ty.Name.ToLowerInvariant() is "int" or "bigint" or "smallint" or "tinyint" or "bit" or "decimal" or "numeric" or "money" or "smallmoney" or "float" or "real";
        return value switch
        {
            bool b => b ? "1" : "0",
            sbyte or byte or short or ushort or int or uint or long or ulong => Convert.ToString(value, CultureInfo.InvariantCulture),
            decimal or double or float => Convert.ToString(value, CultureInfo.InvariantCulture),
            string s when numeric && decimal.TryParse(s, NumberStyles.Number, CultureInfo.InvariantCulture, out _) => s,
            string s => "N'" + s.Replace("'", "''", StringComparison.Ordinal) + "'",
            DateTime d => "'" + d.ToString("yyyy-MM-ddTHH:mm:ss.fffffff", CultureInfo.InvariantCulture) + "'",
            Guid g => "'" + g.ToString() + "'",
            _ => null,
        };
    }

    private static string Short(string code)
    {
        var s = System.Text.RegularExpressions.Regex.Replace(code, @"\s+", " ").Trim();
        return s.Length <= 40 ? s : s[..37] + "…";
    }

    /// <summary>The expressions a statement writes to a named column: INSERT column lists (SELECT or VALUES), SET clauses, aliased select items.</summary>
    private sealed class Writes(SuspectStatement suspect) : TSqlFragmentVisitor
    {
        public List<(string Column, ScalarExpression Expression)> Found { get; } = new();

        private bool Inside(TSqlFragment f) => f.StartOffset >= 0 && suspect.Contains(f.StartOffset, f.FragmentLength);

        private void Pair(IList<ColumnReferenceExpression> columns, InsertSource? source)
        {
            for (int i = 0; i < columns.Count; i++)
            {
                if (columns[i].MultiPartIdentifier?.Identifiers.LastOrDefault()?.Value is not { } name) continue;
                switch (source)
                {
                    case SelectInsertSource { Select: QuerySpecification q } when i < q.SelectElements.Count && q.SelectElements[i] is SelectScalarExpression e:
                        Add(name, e.Expression);
                        break;
                    case ValuesInsertSource v:
                        foreach (var row in v.RowValues.Where(r => i < r.ColumnValues.Count)) Add(name, row.ColumnValues[i]);
                        break;
                }
            }
        }

        private void Add(string column, ScalarExpression e)
        {
            if (Inside(e) && e is not NullLiteral) Found.Add((column, e));
        }

        public override void Visit(InsertSpecification node) => Pair(node.Columns, node.InsertSource);

        public override void Visit(InsertMergeAction node) => Pair(node.Columns, node.Source);

        public override void Visit(AssignmentSetClause node)
        {
            if (node.Column?.MultiPartIdentifier?.Identifiers.LastOrDefault()?.Value is { } name && node.NewValue is { } value) Add(name, value);
        }

        public override void Visit(SelectScalarExpression node)
        {
            if (node.ColumnName?.Value is { } alias) Add(alias, node.Expression);
            else if (node.Expression is ColumnReferenceExpression c && c.MultiPartIdentifier?.Identifiers.LastOrDefault()?.Value is { } name) Add(name, node.Expression);
        }
    }
}
