using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Rules.SyntaxRuleHelpers;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>
/// The work-queue idiom: `SET @id = (SELECT TOP (1) id FROM #queue WHERE Done = 0)` (or `SELECT TOP (1) @id = id ...`)
/// assigns a variable a WHILE loop tests, and the loop's body updates or deletes rows of a table the query reads
/// (marks the row done, removes it) before taking the next one. Every row is taken in the end, whichever comes first,
/// so the TOP without ORDER BY picks nothing that changes the result.
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
            if (loop.Predicate is null || !Descendants<VariableReference>(loop.Predicate).Any(v => SameName(v.Name, variable))) continue;
            if (loop.Statement is null) continue;
            foreach (var dml in Descendants<UpdateDeleteSpecificationBase>(loop.Statement))
                if (TargetOf(dml) is { } target && read.Contains(target)) return true;
        }
        return false;
    }

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
