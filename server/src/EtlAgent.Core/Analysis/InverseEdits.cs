using System.Globalization;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using EtlAgent.Core.Mutation;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.Runner;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Analysis;

/// <summary>
/// Single edits that put back what a fault takes away, for the mutation localisation: the project's
/// operators inject faults (drop a fallback, replace a column, shorten nothing), so a fault of that
/// kind is rarely undone by one of them. Each rule is read from the code and from what the failing
/// case shows, never from a known fault:
/// <list type="bullet">
/// <item>fallback restored: a value written under a differing column's name (a column assignment, or a
/// named select-list value, a CTE's included) where the case expects v and the run wrote NULL becomes
/// ISNULL(value, v) — v from the paired row, or, for a 515 or a missing row without a counterpart, a
/// value the case expects that no given row holds; where the run wrote an empty string and the value is
/// ISNULL/COALESCE(x, v), x becomes NULLIF(x, '') (a blank that should have fallen back);</item>
/// <item>role fallback: a column alias.[R B] written as a value, where the same table has a column
/// [B] (its name a trailing part of the other's), becomes ISNULL(alias.[R B], alias.[B]);</item>
/// <item>value by the target's name: alias.[X] written to column D (X ≠ D, D differing) where the
/// alias's table has a column D becomes alias.[D];</item>
/// <item>key by name: in an equality a.[X] = b.[Y] between columns of different names, b.[X] when
/// b's table has X, a.[Y] when a's has Y, else b's other column sharing the most words with X;</item>
/// <item>conversion widened: CONVERT/CAST to a string length shorter than a catalog column of the
/// name it is written to becomes that column's length.</item>
/// </list>
/// </summary>
public static class InverseEdits
{
    public const string FallbackRestored = "fallback restored";
    public const string BlankGuardRestored = "NULLIF blank guard restored";
    public const string RoleFallback = "role column falls back to its base column";
    public const string ValueByTargetName = "value column named like its target";
    public const string KeyByName = "join key matched by name";
    public const string ConversionWidened = "conversion length widened";

    public static IReadOnlyList<Mutant> Generate(TransformationAnalysis t, SchemaCatalog catalog, TestCaseResult failing, IReadOnlyList<IndexedStatement> statements)
    {
        var text = t.Document.Text;
        var edits = new List<(string Op, int Start, int Length, string Replacement)>();
        var pairs = ValuePairs(failing).ToList();
        // NULL into a NOT NULL column X (515): the values of X the case expects that no given row holds were made by the code (a default)
        if (FailureShape.Of(failing).Error is { Number: 515 } error
            && System.Text.RegularExpressions.Regex.Match(error.Message, @"column '([^']+)'") is { Success: true } named)
            foreach (var made in MadeValues(failing, named.Groups[1].Value).Take(2)) pairs.Add((named.Groups[1].Value, made, null));
        var differing = pairs.Select(p => p.Column).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        bool InStatements(TSqlFragment f) => statements.Any(s => s.Contains(f.StartOffset, f.FragmentLength));
        string Span(TSqlFragment f) => text.Substring(f.StartOffset, f.FragmentLength);

        // where a named value is made: the column assignments (lineage) and every select list element with a name,
        // a CTE's or a derived table's included (lineage records the outer copy there, not the expression that makes it)
        var values = new NamedValues();
        foreach (var s in statements) s.Node.Accept(values);
        var assignments = t.Assignments.Where(a => a.Source is ScalarExpression && InStatements(a.Source!))
            .Select(a => (a.Column, Source: (ScalarExpression)a.Source!))
            .Concat(values.Found)
            .DistinctBy(a => (a.Column.ToUpperInvariant(), a.Source.StartOffset, a.Source.FragmentLength))
            .Select(a => new Site(a.Column, a.Source))
            .ToList();
        foreach (var a in assignments)
        {
            var source = a.Source;
            foreach (var (column, expected, actual) in pairs.Where(p => p.Column.Equals(a.Column, StringComparison.OrdinalIgnoreCase)))
            {
                if (expected is null || Literal(expected) is not { } v) continue;
                if (actual is null && !IsFallback(source))
                    edits.Add((FallbackRestored, source.StartOffset, source.FragmentLength, $"ISNULL({Span(source)}, {v})"));
                else if (actual is string blank && blank.Trim().Length == 0 && FallbackOf(source) is { } inner && inner.Fallback is Literal
                         && RowComparison.ValuesEqual(expected, LiteralValue(inner.Fallback)))
                    edits.Add((BlankGuardRestored, inner.First.StartOffset, inner.First.FragmentLength, $"NULLIF({Span(inner.First)}, N'')"));
            }
        }

        var aliases = new Aliases();
        foreach (var s in statements) s.Node.Accept(aliases);
        var columnsOf = ColumnsByAlias(t, catalog, aliases);
        foreach (var a in assignments)
        {
            if (Unwrapped(a.Source) is not ColumnReferenceExpression { MultiPartIdentifier.Count: 2 } c) continue;
            var alias = c.MultiPartIdentifier.Identifiers[0].Value;
            var name = c.MultiPartIdentifier.Identifiers[1].Value;
            var known = columnsOf.GetValueOrDefault(alias) ?? new List<string>();
            // a role-named column (Bill To Customer Code) whose base column (Customer Code) is in the same table
            foreach (var b in known.Where(b => !b.Equals(name, StringComparison.OrdinalIgnoreCase) && name.EndsWith(" " + b, StringComparison.OrdinalIgnoreCase)))
                edits.Add((RoleFallback, c.StartOffset, c.FragmentLength, $"ISNULL({Span(c)}, {Column(alias, b, Span(c))})"));
            if (!name.Equals(a.Column, StringComparison.OrdinalIgnoreCase) && differing.Contains(a.Column, StringComparer.OrdinalIgnoreCase)
                && known.Contains(a.Column, StringComparer.OrdinalIgnoreCase))
                edits.Add((ValueByTargetName, c.StartOffset, c.FragmentLength, Column(alias, a.Column, Span(c))));
        }

        foreach (var eq in aliases.Equalities)
        {
            if (eq.FirstExpression is not ColumnReferenceExpression { MultiPartIdentifier.Count: 2 } left
                || eq.SecondExpression is not ColumnReferenceExpression { MultiPartIdentifier.Count: 2 } right) continue;
            string la = left.MultiPartIdentifier.Identifiers[0].Value, ln = left.MultiPartIdentifier.Identifiers[1].Value;
            string ra = right.MultiPartIdentifier.Identifiers[0].Value, rn = right.MultiPartIdentifier.Identifiers[1].Value;
            if (ln.Equals(rn, StringComparison.OrdinalIgnoreCase) || la.Equals(ra, StringComparison.OrdinalIgnoreCase)) continue;
            var rightColumns = columnsOf.GetValueOrDefault(ra) ?? new List<string>();
            var leftColumns = columnsOf.GetValueOrDefault(la) ?? new List<string>();
            if (rightColumns.Contains(ln, StringComparer.OrdinalIgnoreCase))
                edits.Add((KeyByName, right.StartOffset, right.FragmentLength, Column(ra, ln, Span(right))));
            else if (leftColumns.Contains(rn, StringComparer.OrdinalIgnoreCase))
                edits.Add((KeyByName, left.StartOffset, left.FragmentLength, Column(la, rn, Span(left))));
            else if (rightColumns.Where(o => !o.Equals(rn, StringComparison.OrdinalIgnoreCase)).Select(o => (Name: o, Shared: SharedWords(o, ln))).Where(x => x.Shared > 0)
                         .OrderByDescending(x => x.Shared).ThenBy(x => x.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault() is { Name: not null } closest)
                edits.Add((KeyByName, right.StartOffset, right.FragmentLength, Column(ra, closest.Name, Span(right))));
        }

        foreach (var a in assignments)
        {
            var conversions = new ConversionTypes();
            a.Source.Accept(conversions);
            var widest = catalog.All.Select(table => table.Columns.FirstOrDefault(col => col.Name.Equals(a.Column, StringComparison.OrdinalIgnoreCase)))
                .Where(col => col is { Type.IsString: true, Type.Length: > 0 }).Select(col => col!.Type.Length!.Value).DefaultIfEmpty(0).Max();
            foreach (var type in conversions.Types)
                if (type is SqlDataTypeReference { Parameters: [IntegerLiteral length] } && int.TryParse(length.Value, out var n) && n < widest && IsStringType(type))
                    edits.Add((ConversionWidened, length.StartOffset, length.FragmentLength, widest.ToString(CultureInfo.InvariantCulture)));
        }

        // ids apart from the generator's, so both can be listed together
        return MutantGenerator.ToMutants(t, edits, firstId: 100_000);
    }

    /// <summary>alias.name written in the style of the reference it replaces: bracketed when that one is, or when the name needs it.</summary>
    private static string Column(string alias, string name, string replaced) =>
        replaced.Contains('[') || !System.Text.RegularExpressions.Regex.IsMatch(name, @"^[A-Za-z_][A-Za-z0-9_]*$") ? $"{alias}.[{name}]" : $"{alias}.{name}";

    /// <summary>Whether the edit is one of these inverse rules (tried before the injecting operators).</summary>
    public static bool IsInverse(Mutant m) => m.Id >= 100_000;

    /// <summary>Per differing cell: the column, the value the case expects and the value the run wrote (each missing row paired with the unexpected row most like it).</summary>
    internal static IReadOnlyList<(string Column, object? Expected, object? Actual)> ValuePairs(TestCaseResult failing)
    {
        var result = new List<(string, object?, object?)>();
        foreach (var m in failing.Failures.OfType<RowsMismatch>())
        {
            var free = m.Diff.Unexpected.ToList();
            foreach (var miss in m.Diff.Missing)
            {
                if (free.Count == 0) break;
                var best = free.OrderByDescending(u => Enumerable.Range(0, m.Diff.Columns.Count).Count(i => RowComparison.ValuesEqual(miss[i], u[i]))).First();
                free.Remove(best);
                for (int i = 0; i < m.Diff.Columns.Count; i++)
                    if (!RowComparison.ValuesEqual(miss[i], best[i])) result.Add((m.Diff.Columns[i], miss[i], best[i]));
            }
            // a missing row with no counterpart (a NULL that a later condition dropped): the values no given row holds were made by the code
            var given = failing.Case.Given.SelectMany(g => g.Rows).SelectMany(r => r.Cells).Where(c => c.Value is not null).Select(c => c.Value!).ToList();
            foreach (var miss in m.Diff.Missing.Skip(m.Diff.Unexpected.Count))
                for (int i = 0; i < m.Diff.Columns.Count; i++)
                    if (miss[i] is { } v && !given.Any(g => RowComparison.ValuesEqual(v, g))) result.Add((m.Diff.Columns[i], v, null));
        }
        return result;
    }

    /// <summary>Values of the column in the case's expected rows that no given row holds, most frequent first.</summary>
    internal static IEnumerable<object> MadeValues(TestCaseResult failing, string column)
    {
        var given = failing.Case.Given.SelectMany(g => g.Rows).SelectMany(r => r.Cells).Where(c => c.Value is not null).Select(c => c.Value!).ToList();
        return failing.Case.Expect.Tables.SelectMany(e => e.Rows)
            .SelectMany(r => r.Cells.Where(c => c.Key.Equals(column, StringComparison.OrdinalIgnoreCase) && c.Value is not null).Select(c => c.Value!))
            .Where(v => !given.Any(g => RowComparison.ValuesEqual(v, g)))
            .GroupBy(v => Convert.ToString(v, CultureInfo.InvariantCulture), StringComparer.OrdinalIgnoreCase)
            .OrderByDescending(g => g.Count()).Select(g => g.First());
    }

    /// <summary>A T-SQL literal for a value the case expects, or null when it has no plain literal form.</summary>
    internal static string? Literal(object value) => value switch
    {
        string s => "N'" + s.Replace("'", "''", StringComparison.Ordinal) + "'",
        bool b => b ? "1" : "0",
        byte or short or int or long or decimal or double or float => Convert.ToString(value, CultureInfo.InvariantCulture),
        DateTime d => "'" + d.ToString("yyyy-MM-ddTHH:mm:ss.fffffff", CultureInfo.InvariantCulture) + "'",
        DateTimeOffset d => "'" + d.ToString("yyyy-MM-ddTHH:mm:ss.fffffffzzz", CultureInfo.InvariantCulture) + "'",
        DateOnly d => "'" + d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "'",
        Guid g => "'" + g.ToString() + "'",
        _ => null,
    };

    private static object? LiteralValue(ScalarExpression e) => e switch
    {
        StringLiteral s => s.Value,
        IntegerLiteral i => long.TryParse(i.Value, out var n) ? n : i.Value,
        NumericLiteral n => decimal.TryParse(n.Value, NumberStyles.Number, CultureInfo.InvariantCulture, out var d) ? d : n.Value,
        Literal l => l.Value,
        _ => null,
    };

    private static bool IsFallback(ScalarExpression e) => FallbackOf(e) is not null;

    /// <summary>ISNULL(x, y) or COALESCE(x, …, y), under a conversion or parentheses: x and the last fallback.</summary>
    private static (ScalarExpression First, ScalarExpression Fallback)? FallbackOf(ScalarExpression e) => Unwrapped(e) switch
    {
        FunctionCall f when f.FunctionName.Value.Equals("ISNULL", StringComparison.OrdinalIgnoreCase) && f.Parameters.Count == 2 => (f.Parameters[0], f.Parameters[1]),
        CoalesceExpression c when c.Expressions.Count >= 2 => (c.Expressions[0], c.Expressions[^1]),
        _ => null,
    };

    /// <summary>The expression under parentheses and conversions (which keep a NULL a NULL).</summary>
    private static ScalarExpression? Unwrapped(ScalarExpression? e) => e switch
    {
        ParenthesisExpression p => Unwrapped(p.Expression),
        ConvertCall c => Unwrapped(c.Parameter),
        CastCall c => Unwrapped(c.Parameter),
        TryConvertCall c => Unwrapped(c.Parameter),
        TryCastCall c => Unwrapped(c.Parameter),
        _ => e,
    };

    private static bool IsStringType(DataTypeReference type) =>
        type is SqlDataTypeReference s && s.SqlDataTypeOption is SqlDataTypeOption.NVarChar or SqlDataTypeOption.VarChar or SqlDataTypeOption.NChar or SqlDataTypeOption.Char;

    private static int SharedWords(string a, string b)
    {
        // words of a name: spaces, underscores and camel case (RegionCode: Region, Code)
        static string[] Words(string s) => System.Text.RegularExpressions.Regex.Split(s, @"[ _]+|(?<=[a-z0-9])(?=[A-Z])").Where(w => w.Length > 0).ToArray();
        return Words(a).Intersect(Words(b), StringComparer.OrdinalIgnoreCase).Count();
    }

    /// <summary>Alias → the columns its table has: the catalog's, those the code writes to it (#temp tables), those the code reads through the alias.</summary>
    private static Dictionary<string, List<string>> ColumnsByAlias(TransformationAnalysis t, SchemaCatalog catalog, Aliases aliases)
    {
        var result = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        void Add(string alias, string column)
        {
            if (!result.TryGetValue(alias, out var list)) result[alias] = list = new List<string>();
            if (!list.Contains(column, StringComparer.OrdinalIgnoreCase)) list.Add(column);
        }
        foreach (var (alias, tables) in aliases.Tables)
            foreach (var table in tables)
            {
                if (catalog.Find(table) is { } def) foreach (var c in def.Columns) Add(alias, c.Name);
                foreach (var a in t.Assignments.Where(a => a.Table.Name.Equals(table.Name, StringComparison.OrdinalIgnoreCase) && (table.Name.StartsWith('#') || a.Table.Equals(table))))
                    Add(alias, a.Column);
            }
        foreach (var c in aliases.Columns)
            Add(c.MultiPartIdentifier.Identifiers[0].Value, c.MultiPartIdentifier.Identifiers[1].Value);
        return result;
    }

    /// <summary>A value written under a column name: the name and the expression that makes it.</summary>
    private sealed record Site(string Column, ScalarExpression Source);

    private sealed class NamedValues : TSqlFragmentVisitor
    {
        public List<(string Column, ScalarExpression Source)> Found { get; } = new();
        public override void Visit(SelectScalarExpression node)
        {
            var name = node.ColumnName?.Value ?? (node.Expression as ColumnReferenceExpression)?.MultiPartIdentifier?.Identifiers[^1].Value;
            if (name is not null && node.Expression is not null) Found.Add((name, node.Expression));
        }
    }

    private sealed class Aliases : TSqlFragmentVisitor
    {
        public Dictionary<string, List<QualifiedName>> Tables { get; } = new(StringComparer.OrdinalIgnoreCase);
        public List<ColumnReferenceExpression> Columns { get; } = new();
        public List<BooleanComparisonExpression> Equalities { get; } = new();
        public override void Visit(NamedTableReference node)
        {
            var name = new QualifiedName(node.SchemaObject.SchemaIdentifier?.Value, node.SchemaObject.BaseIdentifier.Value);
            var key = node.Alias?.Value ?? node.SchemaObject.BaseIdentifier.Value;
            if (!Tables.TryGetValue(key, out var list)) Tables[key] = list = new List<QualifiedName>();
            if (!list.Contains(name)) list.Add(name);
        }
        public override void Visit(ColumnReferenceExpression node) { if (node.MultiPartIdentifier is { Count: 2 }) Columns.Add(node); }
        public override void Visit(BooleanComparisonExpression node) { if (node.ComparisonType == BooleanComparisonType.Equals) Equalities.Add(node); }
    }
}
