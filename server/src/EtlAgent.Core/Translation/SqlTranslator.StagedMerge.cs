using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Translation.SqlText;

namespace EtlAgent.Core.Translation;

/// <summary>
/// A MERGE run as plain statements instead of DuckDB's MERGE: DuckDB 1.5.6 crashes natively in
/// MERGE … RETURNING (an UPDATE branch copying strings, duckdb#23163) and refuses MERGE updates of
/// rows a foreign key references. The source is read once into a table, every target row and
/// source row is matched once (FULL JOIN) and given the clause that acts on it, with the values
/// that clause writes, all before anything changes — as SQL Server evaluates a MERGE; then
/// DELETE, UPDATE and INSERT apply it.
/// </summary>
public sealed record StagedMerge(
    /// <summary>Creates the source table and the match table (one row per acting pair).</summary>
    IReadOnlyList<string> Prepare,
    /// <summary>A non-empty result means one target row would be updated or deleted twice (8672).</summary>
    string? DoubleMatchCheck,
    /// <summary>DELETE and UPDATE statements; their row counts add up to @@ROWCOUNT.</summary>
    IReadOnlyList<string> Writes,
    /// <summary>The INSERT of rows not matched by the target (ends in RETURNING of every column when the OUTPUT needs them).</summary>
    string? Insert,
    bool InsertReturns,
    /// <summary>The OUTPUT rows: {0} = a table (__ord, target columns…) holding the inserted rows in order.</summary>
    string? Output,
    IReadOnlyList<string> Cleanup);

public sealed partial class SqlTranslator
{
    /// <summary>
    /// The MERGEs still given to DuckDB's own MERGE: a source that is a join (several aliases to
    /// carry through the match table) or an INSERT DEFAULT VALUES clause (no column to select).
    /// </summary>
    public static bool RunsAsDuckDbMerge(MergeSpecification spec) =>
        spec.TableReference is JoinTableReference
        || spec.ActionClauses.Any(a => a.Action is InsertMergeAction { Source: ValuesInsertSource { IsDefaultValues: true } });

    /// <summary>MERGE with a single table source (a table, view, CTE, derived table or VALUES) as separate statements; null for <see cref="RunsAsDuckDbMerge"/>.</summary>
    private DmlPlan? StagedMergePlan(MergeStatement stmt)
    {
        var spec = stmt.MergeSpecification;
        if (RunsAsDuckDbMerge(spec)) return null;
        if (spec.TopRowFilter is not null) throw Unsupported("MERGE TOP", spec.TopRowFilter);

        var scope = new Scope(null);
        var with = With(stmt.WithCtesAndXmlNamespaces, scope);
        var target = ResolveTarget(spec.Target, scope, null);
        if (target.CteSql is not null) throw Unsupported("MERGE into a common table expression", spec.Target);
        string talias = spec.TableAlias?.Value ?? (spec.Target as NamedTableReference)?.Alias?.Value ?? target.Exposed;
        int sourcesBefore = scope.Sources.Count;
        var sourceSql = TableRef(spec.TableReference, scope);
        if (scope.Sources.Count != sourcesBefore + 1) return null;
        string sourceAlias = scope.Sources[^1].Exposed;
        scope.Sources.Add(new SourceShape(talias, target.Columns.Select(c => new ColumnShape(c.Name, c.Type)).ToList()));

        int id = Env.UniqueId();
        string src = Id($"__merge_src_{id}"), match = Id($"__merge_match_{id}");
        string t = Id(talias), s = Id(sourceAlias);
        var on = Bool(spec.SearchCondition, scope);

        // The clause of each pair: the first of its kind whose condition holds (SQL Server's order).
        var clauses = spec.ActionClauses;
        string Choice(Func<MergeCondition, bool> kind)
        {
            var whens = clauses.Select((a, i) => (a, i)).Where(x => kind(x.a.Condition))
                .Select(x => $"WHEN {(x.a.SearchCondition is null ? "TRUE" : Bool(x.a.SearchCondition, scope))} THEN {x.i}").ToList();
            return whens.Count == 0 ? "NULL" : $"CASE {string.Join(" ", whens)} END";
        }
        string matched = Choice(c => c == MergeCondition.Matched);
        string byTarget = Choice(c => c is MergeCondition.NotMatched or MergeCondition.NotMatchedByTarget);
        string bySource = Choice(c => c == MergeCondition.NotMatchedBySource);
        // The pairs and their clause are chosen in a derived table of their own: the values below test
        // "__clause" by name, and DuckDB refuses to reuse a select alias whose expression it counts as
        // volatile (a clause condition reading a string as a date calls a host function).
        string pairs = $"SELECT * FROM (SELECT {t}.rowid AS \"__rid\", {s}.\"__sid\" AS \"__sid\", "
            + $"CASE WHEN {t}.rowid IS NOT NULL AND {s}.\"__sid\" IS NOT NULL THEN {matched} WHEN {s}.\"__sid\" IS NOT NULL THEN {byTarget} ELSE {bySource} END AS \"__clause\" "
            + $"FROM {target.Physical} AS {t} FULL JOIN {src} AS {s} ON {on}) AS \"__q\" WHERE \"__clause\" IS NOT NULL OR \"__rid\" IS NOT NULL AND \"__sid\" IS NOT NULL";
        var select = new List<string> { "\"__p\".\"__rid\"", "\"__p\".\"__sid\"", "\"__p\".\"__clause\"" };
        // Old values: deleted.* in the OUTPUT, and inserted.* of the columns an UPDATE leaves alone.
        for (int j = 0; j < target.Columns.Count; j++) select.Add($"{t}.{Id(target.Columns[j].Name)} AS \"__d{j}\"");

        var writes = new List<string>();
        var deletes = new List<int>();
        var sets = new Dictionary<int, Dictionary<string, string>>();
        string? insert = null;
        int insertClause = -1;
        for (int k = 0; k < clauses.Count; k++)
        {
            switch (clauses[k].Action)
            {
                case DeleteMergeAction:
                    deletes.Add(k);
                    break;
                case UpdateMergeAction u:
                {
                    var values = SetClauses(u.SetClauses, target.Columns, scope, current: t);
                    var assigned = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                    for (int j = 0; j < values.Count; j++)
                    {
                        string col = $"__v{k}_{j}";
                        select.Add($"CASE WHEN \"__p\".\"__clause\" = {k} THEN {values[j].Value.Sql} END AS {Id(col)}");
                        assigned[values[j].Col] = col;
                    }
                    sets[k] = assigned;
                    writes.Add($"UPDATE {target.Physical} AS \"__t\" SET {string.Join(", ", assigned.Select(a => $"{Id(a.Key)} = \"__m\".{Id(a.Value)}"))} FROM {match} AS \"__m\" WHERE \"__t\".rowid = \"__m\".\"__rid\" AND \"__m\".\"__clause\" = {k}");
                    break;
                }
                case InsertMergeAction ins:
                {
                    var names = ins.Columns.Count > 0 ? ins.Columns.Select(c => c.MultiPartIdentifier.Identifiers[^1].Value).ToList()
                        : target.Columns.Where(c => !c.IsGenerated).Select(c => c.Name).ToList();
                    var cols = names.Select(n => Col(target.Columns, n, ins, this)).ToList();
                    var row = ((ValuesInsertSource)ins.Source).RowValues[0].ColumnValues;
                    if (row.Count != cols.Count) throw new SandboxRuntimeError(109, "There are more columns in the INSERT statement than values specified in the VALUES clause. The number of values in the VALUES clause must match the number of columns specified in the INSERT statement.");
                    var given = new List<(string Col, string Value)>();
                    for (int j = 0; j < cols.Count; j++)
                    {
                        if (row[j] is DefaultLiteral) continue; // the column's DEFAULT, as if not named
                        string col = $"__v{k}_{j}";
                        select.Add($"CASE WHEN \"__p\".\"__clause\" = {k} THEN {Assign(Expr(row[j], scope), cols[j].Type, row[j]).Sql} END AS {Id(col)}");
                        given.Add((cols[j].Name, col));
                    }
                    insertClause = k;
                    insert = given.Count == 0
                        ? throw Unsupported("MERGE … INSERT with only DEFAULT values", ins)
                        : $"INSERT INTO {target.Physical} ({string.Join(", ", given.Select(g => Id(g.Col)))}) SELECT {string.Join(", ", given.Select(g => Id(g.Value)))} FROM {match} WHERE \"__clause\" = {k} ORDER BY \"__sid\"";
                    break;
                }
                default: throw Unsupported(clauses[k].Action.GetType().Name, clauses[k].Action);
            }
        }
        if (deletes.Count > 0)
            writes.Insert(0, $"DELETE FROM {target.Physical} WHERE rowid IN (SELECT \"__rid\" FROM {match} WHERE \"__clause\" IN ({string.Join(", ", deletes)}))");

        var prepare = new List<string>
        {
            $"CREATE TEMP TABLE {src} AS {with}SELECT {s}.*, row_number() OVER () AS \"__sid\" FROM {sourceSql}",
            $"CREATE TEMP TABLE {match} AS SELECT {string.Join(", ", select)} FROM ({pairs}) AS \"__p\" "
                + $"LEFT JOIN {target.Physical} AS {t} ON {t}.rowid = \"__p\".\"__rid\" LEFT JOIN {src} AS {s} ON {s}.\"__sid\" = \"__p\".\"__sid\"",
        };
        // As the MERGE documentation words it: with an UPDATE or DELETE when matched, a target row
        // that the ON condition matches to more than one source row is an error, whatever the
        // clause conditions say. Matched pairs without a clause stay in the match table for this.
        string? doubleMatch = clauses.Any(a => a.Condition == MergeCondition.Matched)
            ? $"SELECT 1 FROM {match} WHERE \"__rid\" IS NOT NULL AND \"__sid\" IS NOT NULL GROUP BY \"__rid\" HAVING count(*) > 1 LIMIT 1"
            : null;

        // OUTPUT: $action from the clause, deleted.* from the old values, inserted.* from the values
        // an UPDATE wrote (or the old ones) and, for inserted rows, from what the INSERT returned.
        bool needsInserted = false;
        string? output = null;
        if (spec.OutputClause is not null || spec.OutputIntoClause is not null)
        {
            string Action() => "CASE \"__r\".\"__clause\" " + string.Join(" ", clauses.Select((a, k) =>
                $"WHEN {k} THEN '{(a.Action is InsertMergeAction ? "INSERT" : a.Action is DeleteMergeAction ? "DELETE" : "UPDATE")}'")) + " END";
            string? Pseudo(string table, string col)
            {
                if (table == "$action") return Action();
                int j = IndexOfColumn(target.Columns, col);
                if (j < 0) return null;
                if (table == "deleted") return $"\"__r\".\"__d{j}\"";
                var whens = new List<string>();
                for (int k = 0; k < clauses.Count; k++)
                {
                    if (sets.TryGetValue(k, out var assigned))
                    {
                        string Written(int m) => $"\"__r\".{Id(assigned.TryGetValue(target.Columns[m].Name, out var v) ? v : $"__d{m}")}";
                        whens.Add($"WHEN {k} THEN " + (target.Columns[j].Computed is null ? Written(j)
                            : ComputedValue(target.Columns, target.Columns[j], Written, spec.OutputClause ?? (TSqlFragment)spec.OutputIntoClause!).Sql));
                    }
                    else if (k == insertClause)
                    {
                        needsInserted = true;
                        whens.Add($"WHEN {k} THEN \"__n\".{Id(target.Columns[j].Name)}");
                    }
                }
                return whens.Count == 0 ? "NULL" : $"CASE \"__r\".\"__clause\" {string.Join(" ", whens)} END";
            }
            var list = Returning(spec.OutputClause, spec.OutputIntoClause, scope, Pseudo, out _, target.Columns);
            string ordinal = insertClause < 0 ? "NULL" : $"CASE WHEN \"__clause\" = {insertClause} THEN row_number() OVER (PARTITION BY \"__clause\" = {insertClause} ORDER BY \"__sid\") END";
            output = $"SELECT {list[" RETURNING ".Length..]} FROM (SELECT *, {ordinal} AS \"__ord\" FROM {match}) AS \"__r\""
                + (needsInserted ? " LEFT JOIN {0} AS \"__n\" ON \"__n\".\"__ord\" = \"__r\".\"__ord\"" : "")
                + $" LEFT JOIN {src} AS {s} ON {s}.\"__sid\" = \"__r\".\"__sid\" WHERE \"__r\".\"__clause\" IS NOT NULL";
        }
        // every column, in the order of the holder table the interpreter fills from these rows
        if (needsInserted) insert += " RETURNING " + string.Join(", ", target.Columns.Select(c => Id(c.Name)));
        var staged = new StagedMerge(prepare, doubleMatch, writes, insert, needsInserted, output,
            new[] { $"DROP TABLE IF EXISTS {match}", $"DROP TABLE IF EXISTS {src}" });
        return new DmlPlan("", output is not null, target.Physical, target.Table,
            OutputInto: spec.OutputIntoClause?.IntoTable, OutputIntoColumns: spec.OutputIntoClause?.IntoTableColumns.Select(c => c.MultiPartIdentifier.Identifiers[^1].Value).ToList(),
            PostColumns: target.Columns.Select(c => (c.Name, c.Computed is null ? (SqlType?)c.Type : needsInserted ? ComputedType(c) : null)).ToList(), Staged: staged);

        // the rows the INSERT returns are held in a table of these types: a computed column's is its expression's (else a CASE
        // beside an UPDATE's computed value would mix types)
        SqlType? ComputedType(ColumnDef c) => ComputedValue(target.Columns, c, _ => "NULL", spec.OutputClause ?? (TSqlFragment)spec.OutputIntoClause!).Type;
    }

    private static int IndexOfColumn(IReadOnlyList<ColumnDef> columns, string name)
    {
        for (int j = 0; j < columns.Count; j++)
            if (string.Equals(columns[j].Name, name, StringComparison.OrdinalIgnoreCase)) return j;
        return -1;
    }
}
