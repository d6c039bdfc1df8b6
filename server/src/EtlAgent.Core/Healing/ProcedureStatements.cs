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
        public int End => Condition is { } c ? c.StartOffset + c.FragmentLength : Syntax.StartOffset + Syntax.FragmentLength;

        /// <summary>For IF and WHILE: the condition, so the suspect is "IF condition" and not the blocks it guards.</summary>
        public BooleanExpression? Condition { get; init; }

        /// <summary>Variables the statement assigns (SET, SELECT @v =, DECLARE … =, EXEC … OUTPUT).</summary>
        public IReadOnlySet<string> Assigns { get; init; } = new HashSet<string>();

        /// <summary>Tables (by name, #temp tables included) and variables the statement reads.</summary>
        public IReadOnlySet<string> Reads { get; init; } = new HashSet<string>();
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
        return collector.Found.Concat(collector.Conditions.Keys).Distinct().OrderBy(s => s.StartOffset).Select(s =>
        {
            var flow = new FlowCollector();
            var condition = collector.Conditions.GetValueOrDefault(s);
            if (condition is not null) condition.Accept(flow); else s.Accept(flow);
            var writes = Written(s);
            var reads = flow.Tables.Where(t => writes is null || !string.Equals(t, writes.Value.ToString(), StringComparison.OrdinalIgnoreCase))
                .Concat(flow.Variables.Where(v => !flow.Assigned.Contains(v))).ToHashSet(StringComparer.OrdinalIgnoreCase);
            return new Statement(s, condition is null ? writes : null) { Assigns = flow.Assigned, Reads = reads, Condition = condition };
        }).ToList();
    }

    /// <param name="differing">The tables whose rows differ (failing expectations), first difference first.</param>
    /// <remarks>
    /// After the writers of the differing tables come the statements that feed them, nearest first:
    /// those before them that write a table (a #temp table too) or assign a variable they read; then
    /// the IF and WHILE conditions around all of these. Statements that change no data (SET
    /// options, DECLAREs without a value) come last.
    /// </remarks>
    public static IReadOnlyList<SuspectStatement> DefaultSuspects(TransformationAnalysis t, IReadOnlyList<QualifiedName> differing)
    {
        var statements = Of(t);
        var ranked = new List<Statement>();
        foreach (var table in differing)
            ranked.AddRange(statements.Where(s => s.Writes == table && !ranked.Contains(s)));
        for (int i = 0; i < ranked.Count; i++)
        {
            var reader = ranked[i];
            var feeders = statements.Where(s => s.Start < reader.Start && !ranked.Contains(s) &&
                    (s.Writes is { } w && reader.Reads.Contains(w.ToString()) || s.Assigns.Any(reader.Reads.Contains)))
                .OrderByDescending(s => s.Start);
            ranked.AddRange(feeders);
        }
        // the IF and WHILE conditions that decide whether those statements run, innermost first
        ranked.AddRange(statements.Where(s => s.Condition is not null && !ranked.Contains(s) &&
                ranked.Any(r => r.Condition is null && s.Syntax.StartOffset < r.Start && r.End <= s.Syntax.StartOffset + s.Syntax.FragmentLength))
            .OrderBy(s => s.Syntax.FragmentLength));
        ranked.AddRange(statements.Where(s => !ranked.Contains(s) && (s.Writes is not null || s.Assigns.Count > 0)));
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
        /// <summary>IF and WHILE statements with their conditions (a suspect of their own: the condition decides what runs).</summary>
        public Dictionary<TSqlStatement, BooleanExpression> Conditions { get; } = new();
        public override void Visit(StatementList node) => Found.AddRange(node.Statements.Where(s => !IsBlock(s)));
        public override void Visit(IfStatement node)
        {
            Conditions[node] = node.Predicate;
            if (!IsBlock(node.ThenStatement)) Found.Add(node.ThenStatement);
            if (node.ElseStatement is { } e && !IsBlock(e)) Found.Add(e);
        }
        public override void Visit(WhileStatement node)
        {
            Conditions[node] = node.Predicate;
            if (!IsBlock(node.Statement)) Found.Add(node.Statement);
        }
    }

    /// <summary>Table and variable names a statement mentions, and the variables it assigns.</summary>
    private sealed class FlowCollector : TSqlFragmentVisitor
    {
        public HashSet<string> Tables { get; } = new(StringComparer.OrdinalIgnoreCase);
        public HashSet<string> Variables { get; } = new(StringComparer.OrdinalIgnoreCase);
        public HashSet<string> Assigned { get; } = new(StringComparer.OrdinalIgnoreCase);
        public override void Visit(NamedTableReference node) => Tables.Add(Name(node.SchemaObject).ToString());
        public override void Visit(VariableReference node) => Variables.Add(node.Name);
        public override void Visit(SetVariableStatement node) => Assigned.Add(node.Variable.Name);
        public override void Visit(SelectSetVariable node) => Assigned.Add(node.Variable.Name);
        public override void Visit(DeclareVariableElement node) { if (node.Value is not null) Assigned.Add(node.VariableName.Value); }
        public override void Visit(ExecuteParameter node) { if (node.IsOutput && node.ParameterValue is VariableReference v) Assigned.Add(v.Name); }
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
