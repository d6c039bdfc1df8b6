using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Rules.SyntaxRuleHelpers;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>
/// The work-queue idiom: `SET @id = (SELECT TOP (1) id FROM #queue WHERE Done = 0)` (or `SELECT TOP (1) @id = id ...`)
/// assigns a variable a WHILE loop tests, and the loop's body updates or deletes rows of a table the query reads
/// (marks the row done, removes it) before taking the next one. Every row is taken in the end, whichever comes first,
/// so the TOP without ORDER BY picks nothing that changes the result. A loop driven by a counter instead
/// (`WHILE @i &lt; @max`) is a queue too when the query sits in its body and the body marks the row taken.
/// </summary>
internal static class WorkQueue
{
    public static bool Takes(RuleContext context, QuerySpecification spec)
    {
        if (AssignedVariable(context, spec) is not { } variable) return false;
        var read = Sources(spec.FromClause).Select(s => s.Table).OfType<QualifiedName>().ToHashSet();
        if (read.Count == 0) return false;
        var module = context.TransformationAt(spec)?.Transformation.BodyRange;
        foreach (var loop in context.Index.OfType<WhileStatement>())
        {
            if (module is { } m && !m.Contains(loop.StartOffset)) continue;
            if (loop.Predicate is null || loop.Statement is null) continue;
            if (Descendants<VariableReference>(loop.Predicate).Any(v => SameName(v.Name, variable)))
            {
                foreach (var dml in Descendants<UpdateDeleteSpecificationBase>(loop.Statement))
                    if (TargetOf(dml) is { } target && read.Contains(target)) return true;
            }
            else if (Within(spec, loop.Statement) && MarksTaken(spec, loop.Statement, read)) return true;
        }
        return false;
    }

    /// <summary>
    /// A loop driven by something else (a counter, `WHILE @i &lt; @max`) that takes its row inside the body: a queue when
    /// the body deletes from the table read, or updates a column the query's WHERE tests (`Done = 0` ... `SET Done = 1`),
    /// so the row taken is not taken again.
    /// </summary>
    private static bool MarksTaken(QuerySpecification spec, TSqlStatement body, HashSet<QualifiedName> read)
    {
        if (spec.WhereClause?.SearchCondition is not { } where) return false;
        var tested = Descendants<ColumnReferenceExpression>(where).Where(IsColumn).Select(ColumnName).OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var dml in Descendants<UpdateDeleteSpecificationBase>(body))
        {
            if (TargetOf(dml) is not { } target || !read.Contains(target)) continue;
            if (dml is DeleteSpecification) return true;
            if (dml is UpdateSpecification u && u.SetClauses.OfType<AssignmentSetClause>().Any(c => c.Column is { } col && ColumnName(col) is { } name && tested.Contains(name))) return true;
        }
        return false;
    }

    private static bool Within(TSqlFragment inner, TSqlFragment outer) =>
        inner.StartOffset >= outer.StartOffset && inner.StartOffset + inner.FragmentLength <= outer.StartOffset + outer.FragmentLength;

    /// <summary>The variable the query's one row goes to: `SET @v = (query)`, or `SELECT TOP (1) @v = ...`.</summary>
    private static string? AssignedVariable(RuleContext context, QuerySpecification spec)
    {
        if (spec.SelectElements.Count > 0 && spec.SelectElements.All(e => e is SelectSetVariable))
            return ((SelectSetVariable)spec.SelectElements[0]).Variable.Name;
        foreach (var set in context.Index.OfType<SetVariableStatement>())
            if (set.Expression is { } e && Unparen(e) is ScalarSubquery { QueryExpression: var q } && ReferenceEquals(Unparen(q), spec))
                return set.Variable.Name;
        return null;
    }

    /// <summary>The table an UPDATE or DELETE writes, through its FROM clause's alias when it names one.</summary>
    private static QualifiedName? TargetOf(UpdateDeleteSpecificationBase dml)
    {
        if (dml.Target is not NamedTableReference { SchemaObject.BaseIdentifier: not null } target) return null;
        if (target.SchemaObject.SchemaIdentifier is null)
            foreach (var s in Sources(dml.FromClause))
                if (SameName(s.ExposedName, target.SchemaObject.BaseIdentifier.Value)) return s.Table;
        return DdlReader.NameOf(target.SchemaObject);
    }
}
