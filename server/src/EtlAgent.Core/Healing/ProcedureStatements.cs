using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Healing;

/// <summary>
/// The statements of a transformation a heal may edit — those that run one by one (not the blocks
/// around them: BEGIN…END, TRY…CATCH, IF, WHILE) — with the table each writes, and the default
/// ranking of suspects until root-cause analysis supplies one: the statements that write the
/// tables whose rows differ first (in the order the differing tables are given), then the rest in
/// source order.
/// </summary>
public static class ProcedureStatements
{
    public sealed record Statement(TSqlStatement Syntax, QualifiedName? Writes)
    {
        public int Start => Syntax.StartOffset;
        public int End => Syntax.StartOffset + Syntax.FragmentLength;
    }

    public static IReadOnlyList<Statement> Of(TransformationAnalysis t)
    {
        if (!t.HasSyntax) return Array.Empty<Statement>();
        var collector = new Collector();
        foreach (var f in t.Syntax.Body)
        {
            if (f is TSqlStatement top && !IsBlock(top)) collector.Found.Add(top);
            f.Accept(collector);
        }
        return collector.Found.Distinct().OrderBy(s => s.StartOffset).Select(s => new Statement(s, Written(s))).ToList();
    }

    /// <param name="differing">The tables whose rows differ (failing expectations), first difference first.</param>
    public static IReadOnlyList<SuspectStatement> DefaultSuspects(TransformationAnalysis t, IReadOnlyList<QualifiedName> differing)
    {
        var statements = Of(t);
        var ranked = new List<Statement>();
        foreach (var table in differing)
            ranked.AddRange(statements.Where(s => s.Writes == table && !ranked.Contains(s)));
        ranked.AddRange(statements.Where(s => !ranked.Contains(s)));
        return ranked.Select(s => new SuspectStatement(t.Transformation.File, s.Start, s.End)).ToList();
    }

    private static bool IsBlock(TSqlStatement s) => s is BeginEndBlockStatement or TryCatchStatement or IfStatement or WhileStatement;

    /// <summary>The table a data-changing statement writes (an UPDATE or DELETE through an alias resolved by its FROM), or null.</summary>
    private static QualifiedName? Written(TSqlStatement s)
    {
        TableReference? target = null;
        FromClause? from = null;
        switch (s)
        {
            case InsertStatement i: target = i.InsertSpecification.Target; break;
            case UpdateStatement u: target = u.UpdateSpecification.Target; from = u.UpdateSpecification.FromClause; break;
            case DeleteStatement d: target = d.DeleteSpecification.Target; from = d.DeleteSpecification.FromClause; break;
            case MergeStatement m: target = m.MergeSpecification.Target; break;
            case SelectStatement { Into: { } into }: return Name(into);
        }
        if (target is not NamedTableReference named) return null;
        if (from is not null && named.SchemaObject.SchemaIdentifier is null)
        {
            var aliases = new AliasCollector();
            from.Accept(aliases);
            if (aliases.ByAlias.TryGetValue(named.SchemaObject.BaseIdentifier.Value, out var real)) return real;
        }
        return Name(named.SchemaObject);
    }

    private static QualifiedName Name(SchemaObjectName n) => new(n.SchemaIdentifier?.Value ?? "dbo", n.BaseIdentifier.Value);

    private sealed class Collector : TSqlFragmentVisitor
    {
        public List<TSqlStatement> Found { get; } = new();
        public override void Visit(StatementList node) => Found.AddRange(node.Statements.Where(s => !IsBlock(s)));
        public override void Visit(IfStatement node)
        {
            if (!IsBlock(node.ThenStatement)) Found.Add(node.ThenStatement);
            if (node.ElseStatement is { } e && !IsBlock(e)) Found.Add(e);
        }
        public override void Visit(WhileStatement node) { if (!IsBlock(node.Statement)) Found.Add(node.Statement); }
    }

    internal sealed class AliasCollector : TSqlFragmentVisitor
    {
        public Dictionary<string, QualifiedName> ByAlias { get; } = new(StringComparer.OrdinalIgnoreCase);
        public override void Visit(NamedTableReference node)
        {
            if (node.Alias is { } a) ByAlias[a.Value] = Name(node.SchemaObject);
        }
    }
}
