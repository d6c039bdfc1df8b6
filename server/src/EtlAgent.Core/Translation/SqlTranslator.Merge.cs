using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Translation.SqlText;

namespace EtlAgent.Core.Translation;

/// <summary>MERGE: its clauses as one statement over the joined rows (<see cref="StagedMergePlan"/> for the staged form).</summary>
public sealed partial class SqlTranslator
{
    public DmlPlan Merge(MergeStatement stmt)
    {
        if (StagedMergePlan(stmt) is { } staged) return staged;
        var scope = new Scope(null);
        var with = With(stmt.WithCtesAndXmlNamespaces, scope);
        var spec = stmt.MergeSpecification;
        var target = ResolveTarget(spec.Target, scope, null);
        if (target.CteSql is not null) throw Unsupported("MERGE into a common table expression", spec.Target);
        string talias = spec.TableAlias?.Value ?? (spec.Target as NamedTableReference)?.Alias?.Value ?? target.Exposed;
        var tshape = target.Columns.Select(c => new ColumnShape(c.Name, c.Type)).ToList();
        var sourceSql = TableRef(spec.TableReference, scope);
        scope.Sources.Add(new SourceShape(talias, tshape));
        var on = Bool(spec.SearchCondition, scope);
        var clauses = new List<string>();
        bool hasUpdate = false, hasMatchedWrite = false;
        foreach (var ac in spec.ActionClauses)
        {
            string when = ac.Condition switch
            {
                MergeCondition.Matched => "WHEN MATCHED",
                MergeCondition.NotMatched or MergeCondition.NotMatchedByTarget => "WHEN NOT MATCHED BY TARGET",
                MergeCondition.NotMatchedBySource => "WHEN NOT MATCHED BY SOURCE",
                _ => throw Unsupported("MERGE condition " + ac.Condition, ac),
            };
            if (ac.SearchCondition is not null) when += " AND " + Bool(ac.SearchCondition, scope);
            switch (ac.Action)
            {
                case UpdateMergeAction u:
                {
                    hasUpdate = true;
                    if (ac.Condition == MergeCondition.Matched) hasMatchedWrite = true;
                    var sets = SetClauses(u.SetClauses, target.Columns, scope);
                    clauses.Add($"{when} THEN UPDATE SET {string.Join(", ", sets.Select(s => $"{Id(s.Col)} = {s.Value.Sql}"))}");
                    break;
                }
                case DeleteMergeAction:
                    if (ac.Condition == MergeCondition.Matched) hasMatchedWrite = true;
                    clauses.Add($"{when} THEN DELETE");
                    break;
                case InsertMergeAction ins:
                {
                    var names = ins.Columns.Count > 0 ? ins.Columns.Select(c => c.MultiPartIdentifier.Identifiers[^1].Value).ToList()
                        : target.Columns.Where(c => !c.IsGenerated).Select(c => c.Name).ToList();
                    var cols = names.Select(n => Col(target.Columns, n, ins, this)).ToList();
                    if (ins.Source is ValuesInsertSource { IsDefaultValues: true })
                    {
                        clauses.Add($"{when} THEN INSERT DEFAULT VALUES");
                        break;
                    }
                    var vals = ((ValuesInsertSource)ins.Source).RowValues[0].ColumnValues.Select((x, i) => x is DefaultLiteral ? "DEFAULT" : Assign(Expr(x, scope), cols[i].Type, x).Sql);
                    clauses.Add($"{when} THEN INSERT ({string.Join(", ", cols.Select(c => Id(c.Name)))}) VALUES ({string.Join(", ", vals)})");
                    break;
                }
                default: throw Unsupported(ac.Action.GetType().Name, ac.Action);
            }
        }
        // deleted.* of an UPDATE action: DuckDB's RETURNING sees new values only, so the target is
        // snapshotted first and the old row found again by its primary key (which no UPDATE may change).
        var outputCols = (IEnumerable<SelectElement>?)spec.OutputClause?.SelectColumns ?? spec.OutputIntoClause?.SelectColumns ?? Enumerable.Empty<SelectElement>();
        bool outputsDeleted = outputCols.Any(c => c is SelectScalarExpression se && ReferencesPseudo(se.Expression, "deleted"));
        string ret;
        bool returns;
        string? post = null;
        List<(string, SqlType?)>? postCols = null;
        string[]? before = null, after = null;
        if (outputsDeleted && hasUpdate)
        {
            string snapshot = "__merge_old_" + Env.UniqueId();
            var pk = target.Table is { } ttn ? Env.Catalog.Find(ttn)?.PrimaryKey : null;
            var updatedCols = spec.ActionClauses.Select(a => a.Action).OfType<UpdateMergeAction>()
                .SelectMany(u => u.SetClauses.OfType<AssignmentSetClause>()).Select(a => a.Column.MultiPartIdentifier.Identifiers[^1].Value).ToHashSet(StringComparer.OrdinalIgnoreCase);
            if (pk is null || pk.Columns.Any(updatedCols.Contains))
                throw Unsupported("MERGE … OUTPUT deleted.* with an UPDATE action on a table without an unchanged primary key", (TSqlFragment?)spec.OutputClause ?? spec.OutputIntoClause!);
            postCols = new List<(string, SqlType?)> { ("__action", new SqlType("nvarchar", 10)) };
            postCols.AddRange(target.Columns.Select(c => (c.Name, c.Computed is null ? (SqlType?)c.Type : null)));
            ret = " RETURNING merge_action AS \"__action\", " + string.Join(", ", target.Columns.Select(c => $"{Id(talias)}.{Id(c.Name)} AS {Id(c.Name)}"));
            returns = true;
            var list = Returning(spec.OutputClause, spec.OutputIntoClause, scope, (pt, col) => pt switch
            {
                "$action" => "\"__r\".\"__action\"",
                "inserted" => $"CASE WHEN \"__r\".\"__action\" = 'DELETE' THEN NULL ELSE \"__r\".{Id(col)} END",
                _ => $"CASE WHEN \"__r\".\"__action\" = 'INSERT' THEN NULL WHEN \"__r\".\"__action\" = 'DELETE' THEN \"__r\".{Id(col)} ELSE \"__old\".{Id(col)} END",
            }, out _);
            var match = string.Join(" AND ", pk.Columns.Select(k => $"\"__old\".{Id(k)} = \"__r\".{Id(k)}"));
            post = "SELECT " + list[" RETURNING ".Length..] + $" FROM {{0}} AS \"__r\" LEFT JOIN {Id(snapshot)} AS \"__old\" ON {match}";
            before = new[] { $"CREATE TEMP TABLE {Id(snapshot)} AS SELECT * FROM {target.Physical}" };
            after = new[] { $"DROP TABLE IF EXISTS {Id(snapshot)}" };
        }
        else
        {
            ret = Returning(spec.OutputClause, spec.OutputIntoClause, scope, (pt, col) => pt switch
            {
                "$action" => "merge_action",
                "inserted" => $"CASE WHEN merge_action = 'DELETE' THEN NULL ELSE {Id(talias)}.{Id(col)} END",
                _ => $"CASE WHEN merge_action = 'DELETE' THEN {Id(talias)}.{Id(col)} ELSE NULL END",
            }, out returns);
        }
        // SQL Server: error 8672 when one target row would be updated/deleted by more than one source row.
        string? check = hasMatchedWrite
            ? $"{with}SELECT 1 FROM {target.Physical} AS {Id(talias)} JOIN {sourceSql} ON {on} GROUP BY {Id(talias)}.rowid HAVING count(*) > 1 LIMIT 1"
            : null;
        var sql = $"{with}MERGE INTO {target.Physical} AS {Id(talias)} USING {sourceSql} ON {on} {string.Join(" ", clauses)}{ret}";
        return new DmlPlan(sql, returns, target.Physical, target.Table, check,
            spec.OutputIntoClause?.IntoTable, spec.OutputIntoClause?.IntoTableColumns.Select(c => c.MultiPartIdentifier.Identifiers[^1].Value).ToList(),
            Before: before, After: after, PostSelect: post, PostColumns: postCols);
    }

    private static bool ReferencesPseudo(TSqlFragment f, string table)
    {
        var v = new PseudoFinder(table);
        f.Accept(v);
        return v.Found;
    }

    private sealed class PseudoFinder(string table) : TSqlFragmentVisitor
    {
        public bool Found;
        public override void Visit(ColumnReferenceExpression node)
        {
            if (node.MultiPartIdentifier is { Count: >= 2 } m && string.Equals(m.Identifiers[^2].Value, table, StringComparison.OrdinalIgnoreCase)) Found = true;
        }
    }
}
