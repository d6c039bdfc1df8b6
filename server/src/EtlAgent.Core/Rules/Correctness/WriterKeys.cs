using EtlAgent.Core.Catalog;
using EtlAgent.Core.Discovery;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Rules.CatalogRuleHelpers;
using static EtlAgent.Core.Rules.SyntaxRuleHelpers;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>
/// Keys a table has by construction of its writers rather than by a constraint: the column sets one
/// transformation's writes keep unique in each table it writes (<see cref="KeptKeys"/>). A row-adding statement
/// keeps columns unique when it
/// - inserts one row under `IF NOT EXISTS (SELECT … FROM T WHERE c1 = v1 AND …)` whose values for c1… are v1…
///   (the usual "insert if missing"),
/// - is one of INSERT … VALUES statements of constant rows that follow an emptying of the table (TRUNCATE, or a
///   DELETE of every row, not under an IF or loop) and whose rows differ on the columns, unless two rows sit in
///   branches that cannot both run (the THEN and ELSE of one IF, or `IF @@SERVERNAME = 'a'` and `IF @@SERVERNAME = 'b'`),
/// - is the one INSERT … SELECT after such an emptying, or guarded by a `WHERE NOT EXISTS` on the same columns,
///   whose SELECT is DISTINCT, groups by the inserted values, or reads one table and inserts a key of it.
/// Every other row-adding statement (a loop of inserts, MERGE, INSERT … EXEC, SELECT INTO, OUTPUT INTO) keeps nothing.
/// Read while the syntax tree is there.
/// </summary>
public static class WriterKeys
{
    private const int MaxSeedRows = 2000;
    private const int MaxKeyWidth = 3;

    private sealed record Step(TSqlStatement Statement, IReadOnlyList<(IfStatement If, bool Then)> Branches, bool InLoop);

    public static IReadOnlyList<KeptKeys> Of(TransformationSyntax t, Func<QualifiedName, QualifiedName> resolve, SchemaCatalog catalog)
    {
        if (t.Writes.Count == 0 || t.Kind == TransformationKind.View) return Array.Empty<KeptKeys>();
        var steps = new List<Step>();
        foreach (var f in t.Body)
            if (f is TSqlStatement s) Walk(s, new List<(IfStatement, bool)>(), false, steps);
        // the tables each statement writes through OUTPUT INTO, read once for every table
        var outputInto = new Dictionary<Step, List<QualifiedName>>(ReferenceEqualityComparer.Instance);
        foreach (var step in steps)
            outputInto[step] = Descendants<OutputIntoClause>(step.Statement)
                .Select(o => o.IntoTable is NamedTableReference { SchemaObject.BaseIdentifier: not null } n ? resolve(DdlReader.NameOf(n.SchemaObject)) : (QualifiedName?)null)
                .OfType<QualifiedName>().ToList();
        var result = new List<KeptKeys>();
        foreach (var written in t.Writes.Select(resolve).Distinct())
            result.Add(Of(written, steps, outputInto, resolve, catalog));
        return result;
    }

    private static void Walk(TSqlStatement s, List<(IfStatement, bool)> branches, bool inLoop, List<Step> steps)
    {
        switch (s)
        {
            case ProcedureStatementBody p when p.StatementList is not null:
                foreach (var x in p.StatementList.Statements) Walk(x, branches, inLoop, steps);
                break;
            case TriggerStatementBody tr when tr.StatementList is not null:
                foreach (var x in tr.StatementList.Statements) Walk(x, branches, inLoop, steps);
                break;
            case BeginEndBlockStatement b:
                foreach (var x in b.StatementList.Statements) Walk(x, branches, inLoop, steps);
                break;
            case TryCatchStatement tc:
                foreach (var x in tc.TryStatements.Statements) Walk(x, branches, inLoop, steps);
                foreach (var x in tc.CatchStatements.Statements) Walk(x, branches, inLoop, steps);
                break;
            case IfStatement i:
                Walk(i.ThenStatement, new List<(IfStatement, bool)>(branches) { (i, true) }, inLoop, steps);
                if (i.ElseStatement is not null) Walk(i.ElseStatement, new List<(IfStatement, bool)>(branches) { (i, false) }, inLoop, steps);
                break;
            case WhileStatement w:
                Walk(w.Statement, branches, true, steps);
                break;
            default:
                steps.Add(new Step(s, branches, inLoop));
                break;
        }
    }

    private static KeptKeys Of(QualifiedName table, List<Step> steps, Dictionary<Step, List<QualifiedName>> outputInto, Func<QualifiedName, QualifiedName> resolve, SchemaCatalog catalog)
    {
        bool Is(SchemaObjectName? n) => n?.BaseIdentifier is not null && resolve(DdlReader.NameOf(n)) == table;
        var updated = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        bool unreadable = false;
        int emptiedAt = -1;
        var adds = new List<(Step Step, InsertSpecification Insert)>();
        foreach (var step in steps)
        {
            switch (step.Statement)
            {
                case TruncateTableStatement tt when Is(tt.TableName):
                    if (step.Branches.Count == 0 && !step.InLoop && adds.Count == 0) emptiedAt = tt.StartOffset;
                    break;
                case DeleteStatement { DeleteSpecification: { Target: NamedTableReference nt, WhereClause: null, FromClause: null, TopRowFilter: null } } d when Is(nt.SchemaObject):
                    if (step.Branches.Count == 0 && !step.InLoop && adds.Count == 0) emptiedAt = d.StartOffset;
                    break;
                case UpdateStatement { UpdateSpecification: { } u } when UpdatesTable(u, Is):
                    foreach (var c in u.SetClauses)
                        if (c is AssignmentSetClause { Column: { } col } && ColumnName(col) is { } n) updated.Add(n);
                        else unreadable = true;
                    break;
                case InsertStatement { InsertSpecification: { Target: NamedTableReference nt } ins } when Is(nt.SchemaObject):
                    adds.Add((step, ins));
                    break;
                case MergeStatement { MergeSpecification.Target: NamedTableReference mt } when Is(mt.SchemaObject):
                    unreadable = true;
                    break;
                case SelectStatement { Into: { } into } when Is(into):
                    unreadable = true;
                    break;
            }
            if (outputInto[step].Contains(table)) unreadable = true;
        }
        var keys = new List<IReadOnlySet<string>>();
        if (!unreadable && adds.Count > 0) keys = KeysOf(table, adds, emptiedAt, Is, catalog);
        return new KeptKeys(table, adds.Count > 0, unreadable, keys, updated) { Constants = steps.Any(s => outputInto[s].Contains(table)) ? null : WriterConstants.Of(steps.Select(s => s.Statement), Is, catalog.Find(table)) };
    }

    internal static bool UpdatesTable(UpdateSpecification u, Func<SchemaObjectName?, bool> isTable) =>
        u.Target is NamedTableReference target && (TargetSource(u) is { Reference: NamedTableReference bound } ? isTable(bound.SchemaObject) : isTable(target.SchemaObject));

    /// <summary>The column sets every row-adding statement keeps unique.</summary>
    private static List<IReadOnlySet<string>> KeysOf(QualifiedName table, List<(Step Step, InsertSpecification Insert)> adds, int emptiedAt, Func<SchemaObjectName?, bool> isTable, SchemaCatalog catalog)
    {
        var none = new List<IReadOnlySet<string>>();
        // every statement guarded by IF NOT EXISTS on its own values: each keeps its guard's columns unique, and so
        // every set of columns holding them; the smallest set all keep is their union
        var guarded = adds.Select(a => GuardedKey(a.Step, a.Insert, isTable)).ToList();
        if (guarded.All(k => k is not null))
            return new List<IReadOnlySet<string>> { new HashSet<string>(guarded.SelectMany(k => k!), StringComparer.OrdinalIgnoreCase) };
        bool afterEmptying = emptiedAt >= 0 && adds.All(a => a.Insert.StartOffset > emptiedAt && !a.Step.InLoop);
        // one SELECT whose rows are unique on some inserted columns, after the emptying or guarded by NOT EXISTS on them
        if (adds.Count == 1 && adds[0].Insert.InsertSource is SelectInsertSource { Select: { } query } && !adds[0].Step.InLoop)
        {
            var columns = InsertedColumns(adds[0].Insert, table, catalog);
            if (columns is null) return none;
            var sets = SelectKeys(Unparen(query), columns, catalog);
            if (afterEmptying) return sets;
            return sets.Where(k => Unparen(query) is QuerySpecification spec && NotExistsOn(spec, k, columns, isTable)).ToList();
        }
        if (!afterEmptying) return none;
        // constant seed rows after the emptying
        var rows = new List<(Dictionary<string, string> Values, Step Step)>();
        foreach (var (step, insert) in adds)
        {
            if (insert.InsertSource is not ValuesInsertSource { RowValues: { } values } || InsertedColumns(insert, table, catalog) is not { } columns) return none;
            foreach (var row in values)
            {
                if (row.ColumnValues.Count != columns.Count) return none;
                var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                for (int i = 0; i < columns.Count; i++)
                    if (ConstantKey(row.ColumnValues[i]) is { } key) map[columns[i]] = key;
                rows.Add((map, step));
            }
            if (rows.Count > MaxSeedRows) return none;
        }
        var common = rows.Select(r => r.Values.Keys).Aggregate((IEnumerable<string>?)null, (acc, k) => acc is null ? k.ToList() : acc.Intersect(k, StringComparer.OrdinalIgnoreCase).ToList())?.ToList() ?? new List<string>();
        var kept = new List<IReadOnlySet<string>>();
        foreach (var set in Subsets(common.Order(StringComparer.OrdinalIgnoreCase).ToList(), MaxKeyWidth))
        {
            bool clash = false;
            var byValue = new Dictionary<string, List<Step>>(StringComparer.Ordinal);
            foreach (var (values, step) in rows)
            {
                var k = string.Join("\u0001", set.Select(c => values[c]));
                if (!byValue.TryGetValue(k, out var seen)) byValue[k] = seen = new List<Step>();
                if (seen.Any(other => ReferenceEquals(other, step) || !Exclusive(other, step))) { clash = true; break; }
                seen.Add(step);
            }
            if (!clash) kept.Add(new HashSet<string>(set, StringComparer.OrdinalIgnoreCase));
        }
        return kept;
    }

    private static IEnumerable<List<string>> Subsets(List<string> columns, int width)
    {
        for (int a = 0; a < columns.Count; a++)
        {
            yield return new List<string> { columns[a] };
            if (width < 2) continue;
            for (int b = a + 1; b < columns.Count; b++)
            {
                yield return new List<string> { columns[a], columns[b] };
                if (width < 3) continue;
                for (int c = b + 1; c < columns.Count; c++) yield return new List<string> { columns[a], columns[b], columns[c] };
            }
        }
    }

    /// <summary>
    /// Two statements that cannot both run: the THEN and the ELSE of one IF, or THEN branches of IFs that compare
    /// the same server-wide value (`@@SERVERNAME`, `DB_NAME()`) with different constants.
    /// </summary>
    private static bool Exclusive(Step a, Step b)
    {
        foreach (var (ifA, thenA) in a.Branches)
            foreach (var (ifB, thenB) in b.Branches)
            {
                if (ReferenceEquals(ifA, ifB)) { if (thenA != thenB) return true; continue; }
                if (thenA && thenB && Pinned(ifA.Predicate) is { } pa && Pinned(ifB.Predicate) is { } pb && pa.Subject == pb.Subject && pa.Value != pb.Value) return true;
            }
        return false;
    }

    /// <summary>`@@SERVERNAME = 'x'` (or a function of no arguments compared with a constant): the subject's text and the constant's value.</summary>
    private static (string Subject, string Value)? Pinned(BooleanExpression predicate)
    {
        if (Unparen(predicate) is not BooleanComparisonExpression { ComparisonType: BooleanComparisonType.Equals } eq) return null;
        foreach (var (s, v) in new[] { (eq.FirstExpression, eq.SecondExpression), (eq.SecondExpression, eq.FirstExpression) })
            if (Unparen(s) is GlobalVariableExpression or FunctionCall { Parameters.Count: 0 } && ConstantKey(v) is { } value)
                return (Text(s), value.ToUpperInvariant());
        return null;
    }

    /// <summary>The guard's columns when the insert adds one row under `IF NOT EXISTS (SELECT … FROM T WHERE c = v AND …)` and writes v into c.</summary>
    private static HashSet<string>? GuardedKey(Step step, InsertSpecification insert, Func<SchemaObjectName?, bool> isTable)
    {
        if (step.InLoop || step.Branches.Count == 0 || step.Branches[^1] is not (var guard, true)) return null;
        if (Unparen(guard.Predicate) is not BooleanNotExpression { Expression: var inner } || Unparen(inner) is not ExistsPredicate { Subquery.QueryExpression: var q }) return null;
        if (Unparen(q) is not QuerySpecification { FromClause.TableReferences: [NamedTableReference probe], WhereClause.SearchCondition: { } where } || !isTable(probe.SchemaObject)) return null;
        var values = OneRow(insert);
        if (values is null) return null;
        var key = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var c in Conjuncts(where, throughParentheses: true))
        {
            if (Unparen(c) is not BooleanComparisonExpression { ComparisonType: BooleanComparisonType.Equals } eq) return null;
            var a = Unparen(eq.FirstExpression);
            var b = Unparen(eq.SecondExpression);
            if (a is Literal && b is Literal) continue; // WHERE 1 = 1
            var (column, value) = IsColumn(a) && !IsColumn(b) ? ((ColumnReferenceExpression)a, b) : IsColumn(b) && !IsColumn(a) ? ((ColumnReferenceExpression)b, a) : (null, null);
            if (column is null || value is null || ColumnName(column) is not { } name) return null;
            if (!values.TryGetValue(name, out var written) || Text(written) != Text(value)) return null;
            key.Add(name);
        }
        return key.Count > 0 ? key : null;
    }

    /// <summary>The one row an INSERT adds, by column: VALUES with one row, or a SELECT without FROM.</summary>
    private static Dictionary<string, ScalarExpression>? OneRow(InsertSpecification insert)
    {
        if (insert.Columns.Count == 0) return null;
        IList<ScalarExpression>? row = insert.InsertSource switch
        {
            ValuesInsertSource { RowValues: [var only] } => only.ColumnValues,
            SelectInsertSource { Select: var q } when Unparen(q) is QuerySpecification { FromClause: null, WhereClause: null } s && s.SelectElements.All(e => e is SelectScalarExpression)
                => s.SelectElements.Cast<SelectScalarExpression>().Select(e => e.Expression).ToList(),
            _ => null,
        };
        if (row is null || row.Count != insert.Columns.Count) return null;
        var map = new Dictionary<string, ScalarExpression>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < row.Count; i++)
            if (ColumnName(insert.Columns[i]) is { } n) map[n] = row[i];
        return map;
    }

    /// <summary>The target columns in order: the column list, else the table's columns.</summary>
    private static List<string>? InsertedColumns(InsertSpecification insert, QualifiedName table, SchemaCatalog catalog)
    {
        if (insert.Columns.Count > 0) return insert.Columns.Select(c => ColumnName(c) ?? "").ToList();
        return catalog.Find(table) is { Columns.Count: > 0 } def ? def.Columns.Select(c => c.Name).ToList() : null;
    }

    /// <summary>Inserted columns a SELECT's rows are unique on: all of them under DISTINCT, the grouped ones, or a key of its one table.</summary>
    private static List<IReadOnlySet<string>> SelectKeys(QueryExpression query, List<string> columns, SchemaCatalog catalog)
    {
        var keys = new List<IReadOnlySet<string>>();
        if (query is not QuerySpecification spec || spec.SelectElements.Count != columns.Count || !spec.SelectElements.All(e => e is SelectScalarExpression)) return keys;
        var outputs = spec.SelectElements.Cast<SelectScalarExpression>().Select(e => Text(e.Expression)).ToList();
        HashSet<string> Columns(IEnumerable<int> positions) => new(positions.Select(i => columns[i]), StringComparer.OrdinalIgnoreCase);
        if (spec.UniqueRowFilter == UniqueRowFilter.Distinct) keys.Add(Columns(Enumerable.Range(0, columns.Count)));
        if (spec.GroupByClause is { GroupingSpecifications.Count: > 0 } group && group.GroupingSpecifications.All(g => g is ExpressionGroupingSpecification))
        {
            var positions = new List<int>();
            foreach (ExpressionGroupingSpecification g in group.GroupingSpecifications)
            {
                int at = outputs.IndexOf(Text(g.Expression));
                if (at < 0) { positions.Clear(); break; }
                positions.Add(at);
            }
            if (positions.Count > 0) keys.Add(Columns(positions));
        }
        if (spec.GroupByClause is null && spec.FromClause?.TableReferences is [NamedTableReference source] && catalog.Find(DdlReader.NameOf(source.SchemaObject)) is { } def)
        {
            var plain = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < outputs.Count; i++)
                if (Unparen(((SelectScalarExpression)spec.SelectElements[i]).Expression) is ColumnReferenceExpression c && IsColumn(c) && ColumnName(c) is { } n) plain.TryAdd(n, i);
            foreach (var k in def.Keys)
                if (k.Columns.Count > 0 && k.Columns.All(plain.ContainsKey)) keys.Add(Columns(k.Columns.Select(c => plain[c])));
        }
        return keys;
    }

    /// <summary>`WHERE NOT EXISTS (SELECT … FROM T WHERE T.c = s.c …)` equating every column of <paramref name="key"/> with the value inserted into it.</summary>
    private static bool NotExistsOn(QuerySpecification spec, IReadOnlySet<string> key, List<string> columns, Func<SchemaObjectName?, bool> isTable)
    {
        if (spec.WhereClause?.SearchCondition is not { } where) return false;
        var outputs = spec.SelectElements.Cast<SelectScalarExpression>().Select(e => Text(e.Expression)).ToList();
        foreach (var c in Conjuncts(where, throughParentheses: true))
        {
            if (Unparen(c) is not BooleanNotExpression { Expression: var inner } || Unparen(inner) is not ExistsPredicate { Subquery.QueryExpression: var q }) continue;
            if (Unparen(q) is not QuerySpecification { FromClause.TableReferences: [NamedTableReference probe], WhereClause.SearchCondition: { } w } || !isTable(probe.SchemaObject)) continue;
            var probeName = probe.Alias?.Value ?? probe.SchemaObject.BaseIdentifier.Value;
            var matched = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var p in Conjuncts(w, throughParentheses: true))
            {
                if (Unparen(p) is not BooleanComparisonExpression { ComparisonType: BooleanComparisonType.Equals } eq) continue;
                foreach (var (mine, theirs) in new[] { (eq.FirstExpression, eq.SecondExpression), (eq.SecondExpression, eq.FirstExpression) })
                    if (Unparen(mine) is ColumnReferenceExpression m && SameName(Qualifier(m), probeName) && ColumnName(m) is { } n &&
                        columns.FindIndex(x => SameName(x, n)) is var at && at >= 0 && outputs[at] == Text(theirs))
                        matched.Add(n);
            }
            if (key.All(matched.Contains)) return true;
        }
        return false;
    }

    /// <summary>A literal's value for comparing seed rows (text as written, trailing blanks and case ignored: the default collation); null when not a constant.</summary>
    private static string? ConstantKey(ScalarExpression e)
    {
        var literal = AsLiteral(Unparen(e), out bool negative);
        return literal switch
        {
            StringLiteral s => "s:" + s.Value.TrimEnd(' ').ToUpperInvariant(),
            IntegerLiteral or NumericLiteral => "n:" + (negative ? "-" : "") + literal.Value,
            NullLiteral => null,
            _ => null,
        };
    }

    /// <summary>A fragment's tokens without whitespace or comments, upper-cased: equal for the same expression written the same way.</summary>
    private static string Text(TSqlFragment f)
    {
        // without tokens nothing can be compared: a text no other fragment has
        if (f.ScriptTokenStream is null || f.FirstTokenIndex < 0) return "\u0000" + System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(f);
        var sb = new System.Text.StringBuilder();
        for (int i = f.FirstTokenIndex; i <= f.LastTokenIndex; i++)
        {
            var token = f.ScriptTokenStream[i];
            if (token.TokenType is TSqlTokenType.WhiteSpace or TSqlTokenType.SingleLineComment or TSqlTokenType.MultilineComment) continue;
            sb.Append(token.Text.ToUpperInvariant()).Append(' ');
        }
        return sb.ToString();
    }
}
