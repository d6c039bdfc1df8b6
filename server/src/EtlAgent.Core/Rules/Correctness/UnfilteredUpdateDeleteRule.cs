using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Rules.CatalogRuleHelpers;
using static EtlAgent.Core.Rules.SyntaxRuleHelpers;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>An UPDATE or DELETE of a permanent table with nothing that limits the rows it touches.</summary>
public sealed class UnfilteredUpdateDeleteRule : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        "ETL0009", "unfiltered-update-delete", "UPDATE or DELETE without WHERE on a permanent table", Severity.Warning, "Correctness",
        new RuleDoc(
            "An UPDATE or DELETE with no WHERE clause, no TOP and no join that restricts rows touches every row of a permanent table. In a load this is either a forgotten filter (an SCD update that expires every customer, a cleanup that empties the fact table) or a full reload written the expensive way: DELETE logs every row and keeps the identity seed, where TRUNCATE TABLE deallocates pages. " +
            "UPDATE ... FROM with an INNER JOIN (or CROSS APPLY) counts as filtered, and so does a DELETE through a CTE, since the join or the CTE picks the rows; so does a target on the optional side of a LEFT JOIN (`UPDATE dbo.T ... FROM #s LEFT JOIN dbo.T AS t ON ...`: the FROM clause's only reference to the target table is the row source the statement changes, and only its rows matched to #s are changed). A FROM clause that does not name the target table at all (`UPDATE dbo.T SET c = s.c FROM #s AS s`) is the opposite: SQL Server joins every row of the target to the FROM's rows, so whatever the FROM joins or reads, every row changes (each to an arbitrary source row's values) and the statement is reported. #temp tables and table variables are not reported: emptying them is routine. Neither are tSQLt tests (procedures named test… that call tSQLt), which run in a transaction tSQLt rolls back, nor a DELETE of every row followed in the same procedure by an INSERT into the same table (also one written in dynamic SQL the procedure runs after it: a string literal holding `INSERT INTO` the table, and an EXEC (…) or sp_executesql): a full refresh, which DELETE keeps transactional and which works where TRUNCATE cannot (a referencing foreign key, no ALTER permission); nor an UPDATE that sets every column of the table to values that do not depend on the row (a one-row watermark or last-run table), nor one whose every value is computed from the row's own columns alone (`SET Code = UPPER(Code)`, a re-key) or from them and tables LEFT JOINed to the target (a lookup for every row, matched or not: the outer join says the unmatched rows are meant too; a parameter or constant stamped on every row is still reported, but for the procedure's own batch below), nor a reset of columns to constants on every row that later UPDATEs of the same procedure set again (`SET Pk = NULL`, then the keys rebuilt table by table), nor the procedure's own batch: a table emptied after the same procedure copied it into another (`INSERT INTO Live.T SELECT … FROM Stage.T`, then `DELETE FROM Stage.T`), a table stamped with a variable (`SET FileId = @FileId`) that the procedure then copies into another, a reset to constants in a procedure that changes nothing else but records of its own run (rows built from parameters, constants and functions, updated by a WHERE), nor statements of a script that defines nothing (no procedure, function, trigger, view or table in the file: a one-off clear-down or a seed script run on purpose).",
            Bad: "CREATE PROCEDURE Etl.ExpireCustomers AS\nBEGIN\n    UPDATE Dim.Customer SET [Is Current] = 0, [Valid To] = SYSDATETIME();\n    DELETE FROM Staging.Customer;\nEND",
            Good: "CREATE PROCEDURE Etl.ExpireCustomers AS\nBEGIN\n    UPDATE d SET d.[Is Current] = 0, d.[Valid To] = SYSDATETIME()\n    FROM Dim.Customer AS d\n    INNER JOIN Staging.Customer AS s ON s.[Customer Code] = d.[Customer Code]\n    WHERE d.[Is Current] = 1;\n    TRUNCATE TABLE Staging.Customer;\nEND"));

    public override void Check(RuleContext context)
    {
        foreach (var u in context.Index.OfType<UpdateStatement>())
            if (u.UpdateSpecification is { } spec) CheckOne(context, spec, u.WithCtesAndXmlNamespaces, "UPDATE");
        foreach (var d in context.Index.OfType<DeleteStatement>())
            if (d.DeleteSpecification is { } spec) CheckOne(context, spec, d.WithCtesAndXmlNamespaces, "DELETE");
    }

    private static void CheckOne(RuleContext context, UpdateDeleteSpecificationBase spec, WithCtesAndXmlNamespaces? ctes, string verb)
    {
        if (spec.WhereClause is not null || spec.TopRowFilter is not null) return;
        if (spec.Target is not NamedTableReference { SchemaObject.BaseIdentifier: not null } target) return; // @table variables, OPENQUERY ...

        var sources = Sources(spec.FromClause);
        var targetSource = TargetSource(spec, sources);
        var table = targetSource is null ? DdlReader.NameOf(target.SchemaObject) : targetSource.Table;
        if (table is not { } name || name.IsLocal) return;
        if (ctes is not null && target.SchemaObject.SchemaIdentifier is null && ctes.CommonTableExpressions.Any(c => SameName(c.ExpressionName?.Value, name.Name))) return;
        // `UPDATE dbo.T ... FROM #s` with no reference to dbo.T in the FROM: SQL Server joins every row of the
        // target to the FROM's rows, so nothing the FROM clause joins or reads picks the target's rows.
        bool crossJoined = spec.FromClause is not null && targetSource is null && !sources.Any(s => s.Table == name);
        if (!crossJoined && (targetSource is { NullExtended: true } || Restricts(spec.FromClause))) return;
        if (verb == "DELETE" && (RefilledLater(context, spec, name) || CopiedOutBefore(context, spec, name))) return;
        if (InTsqltTest(context, spec)) return;
        if (spec is UpdateSpecification update && (SetsEveryColumn(context, update, name) || (!crossJoined && RowWise(update, targetSource, sources)) || ResetThenRecomputed(context, update, name)
            || StampedThenLoaded(context, update, name) || WholeJobIsReset(context, update))) return;
        if (InDataScript(context, spec)) return;

        var range = context.Document.Lines.Range(spec.StartOffset, End(target));
        var shown = context.TextOf(targetSource?.Reference is NamedTableReference n ? n.SchemaObject : target.SchemaObject);
        var message = crossJoined
            ? $"{verb} of {shown} has no WHERE clause and its FROM clause does not name {shown}: SQL Server joins every row of {shown} to the FROM clause's rows, so it {(verb == "DELETE" ? "deletes" : "changes")} every row{(verb == "DELETE" ? "" : ", each to the values of an arbitrary source row")}. Join {shown} in the FROM clause (and name its alias as the target) or add the WHERE that matches its rows."
            : verb == "DELETE"
            ? $"DELETE from {shown} has no WHERE clause: it deletes every row, logging each one. If a full reload is intended, use TRUNCATE TABLE {shown}; otherwise add the WHERE that picks the rows to delete."
            : $"UPDATE of {shown} has no WHERE clause or restricting join: it changes every row of the table. Add the WHERE (or INNER JOIN) that picks the rows to change; if the table is being rebuilt in a full reload, TRUNCATE TABLE and reload it instead.";
        context.Report(range, message);
    }

    /// <summary>
    /// A DELETE of every row followed, in the same procedure, by an INSERT into the same table: a full
    /// refresh. Written with DELETE it stays transactional and works where TRUNCATE cannot (a referencing foreign key,
    /// no ALTER permission), so it is a choice, not a forgotten WHERE.
    /// </summary>
    private static bool RefilledLater(RuleContext context, UpdateDeleteSpecificationBase spec, QualifiedName table)
    {
        // Procedures only: a script can be analysed in slices, and the INSERT may sit in another one.
        if (context.TransformationAt(spec)?.Transformation is not { Kind: TransformationKind.Procedure } procedure) return false;
        var module = procedure.BodyRange;
        int after = End(spec);
        foreach (var insert in context.Index.OfType<InsertStatement>())
        {
            if (insert.StartOffset < after || !module.Contains(insert.StartOffset)) continue;
            if (insert.InsertSpecification?.Target is NamedTableReference { SchemaObject.BaseIdentifier: not null } t && DdlReader.NameOf(t.SchemaObject) == table)
                return true;
        }
        return RefilledByDynamicSql(context, after, module, table);
    }

    /// <summary>
    /// The refill written as dynamic SQL: a string literal after the DELETE, in the same procedure, holds
    /// `INSERT [INTO] table`, and the procedure runs dynamic SQL (EXEC (…), sp_executesql) after it. The
    /// text may be assembled in pieces or assigned more than once, so the literal is read as text.
    /// </summary>
    private static bool RefilledByDynamicSql(RuleContext context, int after, TextRange module, QualifiedName table)
    {
        bool Runs(ExecuteStatement e) => e.StartOffset >= after && module.Contains(e.StartOffset) && e.ExecuteSpecification?.ExecutableEntity switch
        {
            ExecutableStringList => true,
            ExecutableProcedureReference { ProcedureReference.ProcedureReference.Name.BaseIdentifier.Value: var n } => string.Equals(n, "sp_executesql", StringComparison.OrdinalIgnoreCase),
            _ => false,
        };
        if (!context.Index.OfType<ExecuteStatement>().Any(Runs)) return false;
        static string Part(string name) => $@"(?:\[{System.Text.RegularExpressions.Regex.Escape(name)}\]|{System.Text.RegularExpressions.Regex.Escape(name)})";
        var schema = table.Schema.Equals(QualifiedName.DefaultSchema, StringComparison.OrdinalIgnoreCase) ? $@"(?:{Part(table.Schema)}\s*\.\s*)?" : $@"{Part(table.Schema)}\s*\.\s*";
        var insert = new System.Text.RegularExpressions.Regex($@"\bINSERT\s+(?:INTO\s+)?(?:\[?\w+\]?\s*\.\s*)?{schema}{Part(table.Name)}(?![\w\]])",
            System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);
        return context.Index.OfType<StringLiteral>().Any(l => l.StartOffset >= after && module.Contains(l.StartOffset) && insert.IsMatch(l.Value));
    }

    /// <summary>
    /// `UPDATE t SET Pk = NULL` on every row, then later statements of the same procedure that set the same
    /// columns of the table again: a reset before recomputing, where every row is meant. Only constants
    /// count as a reset; a parameter stamped on every row is still reported.
    /// </summary>
    private static bool ResetThenRecomputed(RuleContext context, UpdateSpecification update, QualifiedName table)
    {
        if (context.TransformationAt(update)?.Transformation is not { Kind: TransformationKind.Procedure } procedure) return false;
        var reset = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var clause in update.SetClauses)
        {
            if (clause is not AssignmentSetClause { Column.MultiPartIdentifier: { } id, NewValue: { } value } || AsLiteral(value, out _) is null) return false;
            reset.Add(id.Identifiers[^1].Value);
        }
        if (reset.Count == 0) return false;
        var module = procedure.BodyRange;
        foreach (var later in context.Index.OfType<UpdateSpecification>())
        {
            if (later.StartOffset <= End(update) || !module.Contains(later.StartOffset)) continue;
            if (later.Target is not NamedTableReference { SchemaObject.BaseIdentifier: not null } target) continue;
            if ((TargetSource(later)?.Table ?? DdlReader.NameOf(target.SchemaObject)) != table) continue;
            foreach (var clause in later.SetClauses)
                if (clause is AssignmentSetClause { Column.MultiPartIdentifier: { } lid, NewValue: { } v } && AsLiteral(v, out _) is null)
                    reset.Remove(lid.Identifiers[^1].Value);
            if (reset.Count == 0) return true;
        }
        return false;
    }

    /// <summary>
    /// `INSERT INTO Live.T SELECT ... FROM Stage.T; DELETE FROM Stage.T`: the procedure copied the table
    /// into another one before emptying it, so the rows deleted are its own batch, already moved on.
    /// </summary>
    private static bool CopiedOutBefore(RuleContext context, UpdateDeleteSpecificationBase spec, QualifiedName table)
    {
        if (context.TransformationAt(spec)?.Transformation is not { Kind: TransformationKind.Procedure } procedure) return false;
        var module = procedure.BodyRange;
        return context.Index.OfType<InsertStatement>().Any(i => i.StartOffset < spec.StartOffset && module.Contains(i.StartOffset) && CopiesFrom(i, table));
    }

    /// <summary>
    /// `UPDATE Stage.T SET FileId = @FileId`, then `INSERT INTO Live.T SELECT ... FROM Stage.T` in the same
    /// procedure: every row stamped with the id of the batch the procedure is loading, then loaded from.
    /// Only values that are variables count as a stamp; a constant on every row is still reported.
    /// </summary>
    private static bool StampedThenLoaded(RuleContext context, UpdateSpecification update, QualifiedName table)
    {
        if (context.TransformationAt(update)?.Transformation is not { Kind: TransformationKind.Procedure } procedure) return false;
        if (update.SetClauses.Count == 0 || !update.SetClauses.All(c => c is AssignmentSetClause { NewValue: VariableReference })) return false;
        var module = procedure.BodyRange;
        int after = End(update);
        return context.Index.OfType<InsertStatement>().Any(i => i.StartOffset >= after && module.Contains(i.StartOffset) && CopiesFrom(i, table));
    }

    /// <summary>An INSERT into another table whose rows are read from <paramref name="table"/>.</summary>
    private static bool CopiesFrom(InsertStatement insert, QualifiedName table)
    {
        if (insert.InsertSpecification is not { Target: NamedTableReference { SchemaObject.BaseIdentifier: not null } target, InsertSource: SelectInsertSource source }) return false;
        if (DdlReader.NameOf(target.SchemaObject) == table) return false;
        return Descendants<NamedTableReference>(source).Any(r => r.SchemaObject.BaseIdentifier is not null && DdlReader.NameOf(r.SchemaObject) == table);
    }

    /// <summary>
    /// `UPDATE T SET IsDeleted = 0` in a procedure that changes no data besides such resets and records of
    /// its own run (rows built from parameters, constants and functions, no table read; an UPDATE of them by
    /// a WHERE): resetting every row is the procedure's whole job, so it is meant.
    /// </summary>
    private static bool WholeJobIsReset(RuleContext context, UpdateSpecification update)
    {
        if (context.TransformationAt(update)?.Transformation is not { Kind: TransformationKind.Procedure } procedure) return false;
        if (!IsConstantReset(update)) return false;
        var module = procedure.BodyRange;
        bool Inside(TSqlFragment f) => module.Contains(f.StartOffset);
        // other procedures, dynamic SQL and MERGE may move data this reading cannot see
        if (context.Index.OfType<ExecuteStatement>().Any(Inside) || context.Index.OfType<MergeStatement>().Any(Inside)
            || context.Index.OfType<DeleteStatement>().Any(Inside) || context.Index.OfType<TruncateTableStatement>().Any(Inside)) return false;
        foreach (var insert in context.Index.OfType<InsertStatement>().Where(Inside))
            if (insert.InsertSpecification?.InsertSource is not { } source || source is ExecuteInsertSource || Descendants<NamedTableReference>(source).Count > 0) return false;
        foreach (var other in context.Index.OfType<UpdateSpecification>().Where(Inside))
        {
            if (IsConstantReset(other)) continue;
            if (other.WhereClause is null || other.FromClause is not null) return false;
            foreach (var clause in other.SetClauses)
                if (clause is not AssignmentSetClause { NewValue: { } v } || Descendants<ColumnReferenceExpression>(v).Any(IsColumn) || Descendants<ScalarSubquery>(v).Count > 0) return false;
        }
        return true;
    }

    /// <summary>Every row of the table set to constants, with nothing joined that could pick rows.</summary>
    private static bool IsConstantReset(UpdateSpecification update)
    {
        if (update.WhereClause is not null || update.TopRowFilter is not null || update.SetClauses.Count == 0) return false;
        if (update.FromClause is { } from && (from.TableReferences.Count != 1 || from.TableReferences[0] is not NamedTableReference)) return false;
        return update.SetClauses.All(c => c is AssignmentSetClause { NewValue: { } v } && AsLiteral(v, out _) is not null);
    }

    /// <summary>
    /// A tSQLt test (a procedure named test… that calls tSQLt): it runs in a transaction tSQLt rolls back,
    /// usually on faked tables, so emptying or stamping a whole table is how it arranges its data.
    /// </summary>
    private static bool InTsqltTest(RuleContext context, TSqlFragment at)
    {
        return context.TransformationAt(at) is { Transformation: { Kind: TransformationKind.Procedure } t } && Discovery.TsqltCode.IsEvidentTest(t);
    }

    /// <summary>
    /// `UPDATE Etl.LastRun SET RunAt = @now`: every column of the table set to values that do not
    /// depend on the row makes all rows equal, which only a one-row table (a watermark, a last-run
    /// stamp) means to do.
    /// </summary>
    private static bool SetsEveryColumn(RuleContext context, UpdateSpecification update, QualifiedName table)
    {
        if (context.Catalog.Find(table) is not { Columns.Count: > 0 } def || update.FromClause is not null) return false;
        var set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var clause in update.SetClauses)
        {
            if (clause is not AssignmentSetClause { Column.MultiPartIdentifier: { } id } a || a.NewValue is null) return false;
            if (Descendants<ColumnReferenceExpression>(a.NewValue).Any(IsColumn)) return false;
            set.Add(id.Identifiers[^1].Value);
        }
        return def.Columns.All(c => set.Contains(c.Name));
    }

    /// <summary>
    /// `UPDATE s SET id = staging_id`, `SET Code = UPPER(Code)`: every value is computed from the row's
    /// own columns (no parameter, no variable, no other table), a rewrite of each row that only makes
    /// sense for all of them. Also through LEFT JOINs from the target (`SET id = ISNULL(d.id, s.staging_id)
    /// FROM staging AS s LEFT JOIN dim AS d ON ...`, a lookup for every row): an outer join keeps the rows
    /// it does not match, which says that every row is meant; an INNER join would have been the filter.
    /// </summary>
    private static bool RowWise(UpdateSpecification update, TableSource? targetSource, List<TableSource> sources)
    {
        if (sources.Count > 1 && !OuterJoinedFromTarget(update.FromClause, targetSource, sources)) return false;
        foreach (var clause in update.SetClauses)
        {
            if (clause is not AssignmentSetClause { NewValue: { } value }) return false;
            if (Descendants<VariableReference>(value).Count > 0 || Descendants<ScalarSubquery>(value).Count > 0) return false;
            var columns = Descendants<ColumnReferenceExpression>(value).Where(IsColumn).ToList();
            if (columns.Count == 0) return false;
            foreach (var c in columns)
            {
                var parts = c.MultiPartIdentifier.Identifiers;
                if (parts.Count > 1 && targetSource is not null && !sources.Any(s => SameName(parts[^2].Value, s.ExposedName))) return false;
            }
        }
        return true;
    }

    /// <summary>
    /// The target is the preserved side of the FROM's joins, all of them LEFT joins, and every other
    /// source is a table on their optional side (no derived table, no RIGHT, FULL or CROSS join).
    /// </summary>
    private static bool OuterJoinedFromTarget(FromClause? from, TableSource? targetSource, List<TableSource> sources)
    {
        if (from is null || targetSource is null || targetSource.NullExtended || from.TableReferences.Count != 1) return false;
        if (sources.Any(s => s != targetSource && (!s.NullExtended || s.Reference is not NamedTableReference))) return false;
        return JoinTree.Joins(from).All(j => j is QualifiedJoin { QualifiedJoinType: QualifiedJoinType.LeftOuter });
    }

    /// <summary>
    /// A script of data statements only (no procedure, function, trigger, view or table defined in the
    /// file): a one-off clear-down or a seed script someone runs on purpose, where emptying the table is the point.
    /// </summary>
    private static bool InDataScript(RuleContext context, TSqlFragment at)
    {
        if (context.TransformationAt(at)?.Transformation is { Kind: not TransformationKind.Script }) return false;
        // the whole file's text, not the parsed tree: a large script is checked in slices, and a slice
        // without a definition may belong to a file that has one
        return !DefinesSomething.IsMatch(context.Document.Text);
    }

    private static readonly System.Text.RegularExpressions.Regex DefinesSomething = new(
        @"\b(CREATE|ALTER)\s+(OR\s+ALTER\s+)?(PROC|PROCEDURE|FUNCTION|TRIGGER|VIEW|TABLE)\b",
        System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>An INNER join or CROSS APPLY somewhere in the FROM keeps only matching rows.</summary>
    private static bool Restricts(FromClause? from) =>
        JoinTree.Joins(from).Any(j => j is QualifiedJoin { QualifiedJoinType: QualifiedJoinType.Inner } or UnqualifiedJoin { UnqualifiedJoinType: UnqualifiedJoinType.CrossApply });
}
