using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Discovery;

/// <summary>
/// Finds the tables a piece of T-SQL reads and writes and the procedures it executes.
/// Aliases and CTE names are scoped per statement: `UPDATE s ... FROM Dim.Customer AS s` writes
/// Dim.Customer; a CTE named like a table hides it only inside its statement; #temp tables and
/// @table variables are never catalog tables.
/// </summary>
public sealed class TableAccessCollector : TSqlFragmentVisitor
{
    private readonly HashSet<QualifiedName> _reads = new();
    private readonly HashSet<QualifiedName> _writes = new();
    private readonly HashSet<QualifiedName> _calls = new();
    private readonly Stack<StatementScope> _scopes = new();

    public IReadOnlyList<QualifiedName> Reads => _reads.OrderBy(n => n).ToList();
    public IReadOnlyList<QualifiedName> Writes => _writes.OrderBy(n => n).ToList();
    public IReadOnlyList<QualifiedName> Calls => _calls.OrderBy(n => n).ToList();

    public static TableAccessCollector Collect(IEnumerable<TSqlFragment> fragments)
    {
        var c = new TableAccessCollector();
        foreach (var f in fragments) f.Accept(c);
        return c;
    }

    private sealed class StatementScope
    {
        public readonly HashSet<string> CteNames = new(StringComparer.OrdinalIgnoreCase);
        public readonly Dictionary<string, SchemaObjectName> Aliases = new(StringComparer.OrdinalIgnoreCase);
        public TableReference? Target;
    }

    public override void ExplicitVisit(InsertStatement node) =>
        WithScope(node, node.WithCtesAndXmlNamespaces, node.InsertSpecification?.Target, () => base.ExplicitVisit(node));

    public override void ExplicitVisit(UpdateStatement node) =>
        WithScope(node, node.WithCtesAndXmlNamespaces, node.UpdateSpecification?.Target, () => base.ExplicitVisit(node));

    public override void ExplicitVisit(DeleteStatement node) =>
        WithScope(node, node.WithCtesAndXmlNamespaces, node.DeleteSpecification?.Target, () => base.ExplicitVisit(node));

    public override void ExplicitVisit(MergeStatement node) =>
        WithScope(node, node.WithCtesAndXmlNamespaces, node.MergeSpecification?.Target, () => base.ExplicitVisit(node));

    public override void ExplicitVisit(SelectStatement node)
    {
        WithScope(node, node.WithCtesAndXmlNamespaces, null, () =>
        {
            if (node.Into is not null) AddWrite(node.Into);
            base.ExplicitVisit(node);
        });
    }

    public override void ExplicitVisit(TruncateTableStatement node)
    {
        AddWrite(node.TableName);
        base.ExplicitVisit(node);
    }

    public override void ExplicitVisit(OutputIntoClause node)
    {
        if (node.IntoTable is NamedTableReference named) AddWrite(named.SchemaObject);
        // Visit the selected columns but not the INTO target (it is a write, not a read).
        foreach (var c in node.SelectColumns) c.Accept(this);
    }

    public override void ExplicitVisit(NamedTableReference node)
    {
        if (_scopes.Count > 0 && ReferenceEquals(_scopes.Peek().Target, node))
        {
            // The DML target: a write (resolved through FROM aliases), not a read.
            AddWrite(ResolveTarget(node.SchemaObject));
        }
        else if (!IsCte(node.SchemaObject))
        {
            AddRead(node.SchemaObject);
        }
        base.ExplicitVisit(node);
    }

    public override void ExplicitVisit(SchemaObjectFunctionTableReference node)
    {
        AddRead(node.SchemaObject);
        base.ExplicitVisit(node);
    }

    public override void ExplicitVisit(ExecuteSpecification node)
    {
        if (node.ExecutableEntity is ExecutableProcedureReference { ProcedureReference.ProcedureReference.Name: { } name } && !IsSystemProcedure(name))
            _calls.Add(DdlReader.NameOf(name));
        base.ExplicitVisit(node);
    }

    /// <summary>System procedures (sp_executesql, sp_addextendedproperty, xp_...) are noise, not pipeline steps.</summary>
    public static bool IsSystemProcedure(SchemaObjectName name)
    {
        var schema = name.SchemaIdentifier?.Value;
        var baseName = name.BaseIdentifier?.Value ?? "";
        if (string.Equals(schema, "sys", StringComparison.OrdinalIgnoreCase)) return true;
        if (name.DatabaseIdentifier is not null && string.Equals(name.DatabaseIdentifier.Value, "msdb", StringComparison.OrdinalIgnoreCase)) return true;
        return (schema is null || string.Equals(schema, "dbo", StringComparison.OrdinalIgnoreCase)) &&
               (baseName.StartsWith("sp_", StringComparison.OrdinalIgnoreCase) || baseName.StartsWith("xp_", StringComparison.OrdinalIgnoreCase));
    }

    private void WithScope(TSqlStatement statement, WithCtesAndXmlNamespaces? ctes, TableReference? target, Action visit)
    {
        var scope = new StatementScope { Target = target };
        if (ctes is not null)
            foreach (var cte in ctes.CommonTableExpressions) scope.CteNames.Add(cte.ExpressionName.Value);
        if (target is not null)
            statement.Accept(new AliasCollector(scope.Aliases));
        _scopes.Push(scope);
        try { visit(); }
        finally { _scopes.Pop(); }
    }

    private SchemaObjectName ResolveTarget(SchemaObjectName name)
    {
        if (name.SchemaIdentifier is null && _scopes.Peek().Aliases.TryGetValue(name.BaseIdentifier.Value, out var real))
            return real;
        return name;
    }

    private bool IsCte(SchemaObjectName name)
    {
        if (name.SchemaIdentifier is not null) return false;
        foreach (var s in _scopes)
            if (s.CteNames.Contains(name.BaseIdentifier.Value)) return true;
        return false;
    }

    private void AddRead(SchemaObjectName name)
    {
        if (name.BaseIdentifier is null) return;
        var q = DdlReader.ReferenceOf(name);
        if (!q.IsLocal) _reads.Add(q);
    }

    private void AddWrite(SchemaObjectName name)
    {
        if (name.BaseIdentifier is null || IsCte(name)) return;
        var q = DdlReader.ReferenceOf(name);
        if (!q.IsLocal) _writes.Add(q);
    }

    /// <summary>Maps aliases in a statement's FROM/USING clauses to the table they stand for.</summary>
    private sealed class AliasCollector(Dictionary<string, SchemaObjectName> aliases) : TSqlFragmentVisitor
    {
        public override void ExplicitVisit(NamedTableReference node)
        {
            if (node.Alias is not null) aliases.TryAdd(node.Alias.Value, node.SchemaObject);
        }

        // `UPDATE v ... FROM @Rows AS v` writes the table variable: map the alias to a local name.
        public override void ExplicitVisit(VariableTableReference node)
        {
            if (node.Alias is not null)
                aliases.TryAdd(node.Alias.Value, new SchemaObjectName { Identifiers = { new Identifier { Value = node.Variable.Name } } });
        }

        // Subqueries and CTEs have their own aliases; the outer DML target cannot name them.
        public override void ExplicitVisit(CommonTableExpression node) { }
        public override void ExplicitVisit(ScalarSubquery node) { }
        public override void ExplicitVisit(QueryDerivedTable node) { }
        public override void ExplicitVisit(ExistsPredicate node) { }
        public override void ExplicitVisit(InPredicate node) { }
    }
}
