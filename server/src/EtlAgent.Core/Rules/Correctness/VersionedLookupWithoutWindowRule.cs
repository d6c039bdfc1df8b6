using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Rules.SyntaxRuleHelpers;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>
/// A join to a versioned (SCD2) dimension on its business key alone matches every version of the
/// key: each fact row comes out once per version, and sums double.
/// </summary>
public sealed class VersionedLookupWithoutWindowRule : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        "ETL0017", "versioned-lookup-without-window", "Lookup of a versioned dimension without the current-row or date-window predicate", Severity.Warning, "Correctness",
        new RuleDoc(
            "A type-2 dimension keeps one row per version of a business key, told apart by a validity window (`[Valid From]`/`[Valid To]`, `ValidFrom`/`ValidTo`, `EffectiveFrom`/`EffectiveTo`, `RowStartDate`/`RowEndDate`) or a current-row flag (`IsCurrent`, `[Is Current]`, `CurrentFlag`). " +
            "A join that looks the dimension up by business key alone (`JOIN Dim.Customer AS d ON d.[Customer Code] = s.[Customer Code]`) matches every version: the day a customer gets a second version, each of its fact rows is loaded twice and every total doubles. " +
            "The rule fires on an inner or left join to such a table (known from the catalog to be versioned: an identity or single-column surrogate key not used by the join, or a key that includes the window's start) whose join condition and WHERE clause never mention the window or the flag, unless the query is an anti-join (tests the dimension for IS NULL), aggregates with GROUP BY or DISTINCT, or maintains the dimension itself. " +
            "The fix adds the predicate that another lookup of the same table in the file uses (for example `AND s.[Invoice Date] >= d.[Valid From] AND s.[Invoice Date] < d.[Valid To]` or `AND d.[Is Current] = 1`); when there is none, it adds the current-row predicate if the table has a flag. Pick the window when facts must carry the version valid at their date.",
            Bad: "INSERT INTO Fact.Sales ([Customer Key], [Invoice Date], Amount)\nSELECT d.[Customer Key], s.[Invoice Date], s.Amount\nFROM Staging.Sales AS s\nJOIN Dim.Customer AS d ON d.[Customer Code] = s.[Customer Code];",
            Good: "INSERT INTO Fact.Sales ([Customer Key], [Invoice Date], Amount)\nSELECT d.[Customer Key], s.[Invoice Date], s.Amount\nFROM Staging.Sales AS s\nJOIN Dim.Customer AS d ON d.[Customer Code] = s.[Customer Code] AND d.[Is Current] = 1;",
            Schema: "CREATE TABLE Staging.Sales ([Customer Code] nvarchar(20) NOT NULL, [Invoice Date] date NOT NULL, Amount decimal(18,2) NOT NULL);\n" +
                    "CREATE TABLE Dim.Customer ([Customer Key] int IDENTITY NOT NULL PRIMARY KEY, [Customer Code] nvarchar(20) NOT NULL, [Customer Name] nvarchar(100) NULL, [Valid From] datetime2 NOT NULL, [Valid To] datetime2 NOT NULL, [Is Current] bit NOT NULL);\n" +
                    "CREATE TABLE Fact.Sales ([Customer Key] int NOT NULL, [Invoice Date] date NOT NULL, Amount decimal(18,2) NOT NULL);"));

    private sealed record Versioned(TableDef Table, ColumnDef[] VersionColumns, ColumnDef? Flag, string Description);

    private sealed record Lookup(QualifiedJoin Join, TableSource Dim, Versioned Shape, TSqlFragment Spec, List<TableSource> Sources);

    public override void Check(RuleContext context)
    {
        var index = context.Index;
        var joins = index.OfType<QualifiedJoin>();
        if (joins.Count == 0) return;
        var tables = new Tables(context);
        var specs = new SpanTree<TSqlFragment>(index.OfType<QuerySpecification>().Concat<TSqlFragment>(index.OfType<UpdateSpecification>())
            .Concat(index.OfType<DeleteSpecification>()));
        var modifications = index.OfType<DataModificationSpecification>();

        var withWindow = new List<Lookup>();
        var without = new List<Lookup>();
        foreach (var j in joins)
        {
            if (j.QualifiedJoinType is not (QualifiedJoinType.Inner or QualifiedJoinType.LeftOuter) || j.SearchCondition is null) continue;
            var spec = specs.Innermost(j);
            var sources = spec switch
            {
                QuerySpecification q => Sources(q.FromClause),
                UpdateDeleteSpecificationBase d => Sources(d.FromClause),
                _ => null,
            };
            if (sources is null) continue;
            // The joined (second) table is the one looked up; the first drives the rows.
            foreach (var side in new[] { j.SecondTableReference })
            {
                if (side is not NamedTableReference named) continue;
                var dim = sources.FirstOrDefault(s => ReferenceEquals(s.Reference, named));
                if (dim?.Table is not { IsLocal: false } || tables.Find(dim) is not { } def || Shape(def) is not { } shape) continue;
                var lookup = new Lookup(j, dim, shape, spec!, sources);
                if (MentionsVersion(j.SearchCondition, lookup, tables) || MentionsVersion(Where(spec!), lookup, tables)) withWindow.Add(lookup);
                else if (IsBusinessKeyLookup(lookup, tables) && !Excused(lookup, modifications, tables)) without.Add(lookup);
            }
        }

        foreach (var l in without)
        {
            var (predicate, from) = Predicate(context, l, withWindow, tables);
            Fix? fix = predicate is null ? null : context.Fix($"Add '{predicate}' to the join", OnEdits(context, l.Join, predicate));
            context.Report(l.Dim.Reference,
                $"{l.Dim.Table} is versioned ({l.Shape.Description}), but this join looks it up by {Keys(context, l, tables)} without the current-row or date-window predicate: " +
                "every version of a key matches, so each row is repeated once per version (fan-out). " +
                (predicate is null ? "Add the validity-window or current-row predicate." : $"Add '{predicate}'{from}."),
                fix is null ? null : new[] { fix });
        }
    }

    /// <summary>A versioned table: a window or a current flag, and keys that show rows are versions (a surrogate, or the window's start in the key).</summary>
    private static Versioned? Shape(TableDef def)
    {
        var window = VersionColumns.Window(def);
        var flag = VersionColumns.CurrentFlag(def);
        if (window is null && flag is null) return null;
        var versionColumns = new List<ColumnDef>();
        if (window is var (start, end)) { versionColumns.Add(start); versionColumns.Add(end); }
        if (flag is not null) versionColumns.Add(flag);
        bool surrogate = def.Columns.Any(c => c.Identity) || def.Keys.Any(k => k.Columns.Count == 1 && !versionColumns.Any(v => SameName(v.Name, k.Columns[0])));
        bool versionKey = def.Keys.Any(k => k.Columns.Any(c => versionColumns.Any(v => SameName(v.Name, c))));
        if (!surrogate && !versionKey) return null;
        var description = string.Join(" and ", new[]
        {
            window is var (s, e) ? $"{CatalogRuleHelpers.QuoteName(s.Name)}/{CatalogRuleHelpers.QuoteName(e.Name)}" : null,
            flag is null ? null : CatalogRuleHelpers.QuoteName(flag.Name),
        }.Where(x => x is not null));
        return new Versioned(def, versionColumns.ToArray(), flag, description);
    }

    private static BooleanExpression? Where(TSqlFragment spec) => spec switch
    {
        QuerySpecification q => q.WhereClause?.SearchCondition,
        UpdateDeleteSpecificationBase d => d.WhereClause?.SearchCondition,
        _ => null,
    };

    private static bool Refers(ColumnReferenceExpression c, Lookup l, Tables tables) =>
        IsColumn(c) && SourceOf(c, l.Sources, tables.Find) is { } s && ReferenceEquals(s.Reference, l.Dim.Reference);

    /// <summary>
    /// Whether the condition names the window or flag — or any date column or column whose name speaks of
    /// currency or validity (`dwh_active`, `LatestFlag`): better silent than wrong about a predicate we do not recognise.
    /// </summary>
    private static bool MentionsVersion(BooleanExpression? e, Lookup l, Tables tables) =>
        e is not null && Descendants<ColumnReferenceExpression>(e).Any(c => Refers(c, l, tables) && IsVersionLike(l.Shape, ColumnName(c)!));

    private static readonly string[] VersionWords = { "current", "active", "valid", "effective", "version", "latest", "deleted" };

    private static bool IsVersionLike(Versioned shape, string column)
    {
        if (shape.VersionColumns.Any(v => SameName(v.Name, column))) return true;
        if (shape.Table.FindColumn(column) is { Type.IsDateTime: true }) return true;
        var squashed = VersionColumns.Squash(column);
        return VersionWords.Any(w => squashed.Contains(w, StringComparison.Ordinal));
    }

    /// <summary>
    /// The join's condition is an AND chain of equalities on dimension columns that cover no key, the surrogate
    /// included (or an OR of such chains: a lookup by one code or another).
    /// </summary>
    private static bool IsBusinessKeyLookup(Lookup l, Tables tables) =>
        Disjuncts(l.Join.SearchCondition).All(d => IsBusinessKeyMatch(d, l, tables));

    private static bool IsBusinessKeyMatch(BooleanExpression condition, Lookup l, Tables tables)
    {
        var equated = new List<string>();
        foreach (var c in Conjuncts(condition, throughParentheses: true))
        {
            if (Unparen(c) is not BooleanComparisonExpression { ComparisonType: BooleanComparisonType.Equals } eq) continue;
            foreach (var (mine, other) in new[] { (eq.FirstExpression, eq.SecondExpression), (eq.SecondExpression, eq.FirstExpression) })
                if (Unparen(mine) is ColumnReferenceExpression col && Refers(col, l, tables) &&
                    !Descendants<ColumnReferenceExpression>(other).Any(o => Refers(o, l, tables)) &&
                    Descendants<ColumnReferenceExpression>(other).Any(IsColumn))
                    equated.Add(ColumnName(col)!);
        }
        if (equated.Count == 0) return false;
        var def = l.Shape.Table;
        if (def.Columns.Any(c => c.Identity && equated.Contains(c.Name, StringComparer.OrdinalIgnoreCase))) return false;
        return !def.Keys.Any(k => k.Columns.All(c => equated.Contains(c, StringComparer.OrdinalIgnoreCase)));
    }

    /// <summary>Anti-joins, aggregating queries and the dimension's own maintenance are not lookups that fan out.</summary>
    private static bool Excused(Lookup l, IReadOnlyList<DataModificationSpecification> modifications, Tables tables)
    {
        if (l.Spec is QuerySpecification q && (q.UniqueRowFilter == UniqueRowFilter.Distinct || q.GroupByClause is not null)) return true;
        if (Where(l.Spec) is { } where && Descendants<BooleanIsNullExpression>(where).Any(n => !n.IsNot &&
                Descendants<ColumnReferenceExpression>(n.Expression).Any(c => Refers(c, l, tables)))) return true;
        foreach (var m in modifications)
        {
            if (!Contains(m, l.Join)) continue;
            if (m.Target is NamedTableReference t && t.SchemaObject?.BaseIdentifier is not null)
            {
                var name = DdlReader.NameOf(t.SchemaObject);
                if (name.Schema is null && SameName(name.Name, l.Dim.ExposedName)) return true; // UPDATE d ... FROM Dim.X AS d
                if (l.Dim.Table is { } dt && SameName(name.Name, dt.Name) && (name.Schema is null || SameName(name.Schema, dt.Schema))) return true;
            }
        }
        return false;
    }

    private static string Keys(RuleContext context, Lookup l, Tables tables)
    {
        var cols = Conjuncts(l.Join.SearchCondition, throughParentheses: true)
            .SelectMany(c => Descendants<ColumnReferenceExpression>(c)).Where(c => Refers(c, l, tables)).Select(c => context.TextOf(c))
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        return cols.Count == 0 ? "its business key" : string.Join(", ", cols);
    }

    /// <summary>
    /// The version predicate another lookup of the same table in this file uses (its conjuncts that name the
    /// window or flag, re-qualified for this query), else `flag = 1` for a bit or integer flag.
    /// </summary>
    private static (string? Predicate, string From) Predicate(RuleContext context, Lookup l, List<Lookup> others, Tables tables)
    {
        foreach (var o in others)
        {
            if (!Equals(o.Dim.Table, l.Dim.Table)) continue;
            var parts = new List<string>();
            bool ok = true;
            var conditions = Conjuncts(o.Join.SearchCondition, throughParentheses: true).Select(c => (c, true));
            if (Where(o.Spec) is { } w) conditions = conditions.Concat(Conjuncts(w, throughParentheses: true).Select(c => (c, false)));
            foreach (var (c, _) in conditions)
            {
                if (!MentionsVersion(c, o, tables)) continue;
                if (Requalify(context, c, o, l, tables) is { } text) parts.Add(text);
                else { ok = false; break; }
            }
            if (ok && parts.Count > 0) return (string.Join(" AND ", parts), $", as the lookup at line {context.Document.Lines.PositionOf(o.Join.StartOffset).Line + 1} does");
        }
        if (l.Shape.Flag is { } flag && flag.Type.IsInteger)
            return ($"{context.TextOf(DimQualifier(l))}.{CatalogRuleHelpers.QuoteName(flag.Name)} = 1", "");
        return (null, "");
    }

    private static TSqlFragment DimQualifier(Lookup l) => l.Dim.Reference switch
    {
        NamedTableReference { Alias: { } a } => a,
        NamedTableReference n => n.SchemaObject.BaseIdentifier,
        _ => l.Dim.Reference,
    };

    /// <summary>The conjunct's text for this query: the other lookup's dimension columns take this one's qualifier, other columns must name a table this query exposes under the same table.</summary>
    private static string? Requalify(RuleContext context, BooleanExpression c, Lookup from, Lookup to, Tables tables)
    {
        if (Descendants<QueryExpression>(c).Count > 0) return null;
        var edits = new List<(int, int, string)>();
        foreach (var col in Descendants<ColumnReferenceExpression>(c))
        {
            if (!IsColumn(col)) continue;
            var source = SourceOf(col, from.Sources, tables.Find);
            if (source is null) return null;
            string qualifier;
            if (ReferenceEquals(source.Reference, from.Dim.Reference)) qualifier = context.TextOf(DimQualifier(to));
            else
            {
                var match = to.Sources.Where(s => s.Table is not null && Equals(s.Table, source.Table) && !ReferenceEquals(s.Reference, to.Dim.Reference)).ToList();
                if (match.Count != 1) return null;
                qualifier = match[0].Reference switch
                {
                    NamedTableReference { Alias: { } a } => context.TextOf(a),
                    NamedTableReference n => context.TextOf(n.SchemaObject.BaseIdentifier),
                    _ => match[0].ExposedName,
                };
            }
            var ids = col.MultiPartIdentifier.Identifiers;
            edits.Add((col.StartOffset, ids[^1].StartOffset, qualifier + "."));
        }
        var text = Rewrite(context.Document.Text, c.StartOffset, End(c), edits);
        return c is BooleanBinaryExpression { BinaryExpressionType: BooleanBinaryExpressionType.Or } ? "(" + text + ")" : text;
    }

    private static TextEdit[] OnEdits(RuleContext context, QualifiedJoin j, string predicate)
    {
        var on = j.SearchCondition;
        if (on is BooleanBinaryExpression { BinaryExpressionType: BooleanBinaryExpressionType.Or })
            return new[] { context.InsertBefore(on, "("), context.InsertAfter(on, ") AND " + predicate) };
        return new[] { context.InsertAfter(on, " AND " + predicate) };
    }
}
