using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Generation;

/// <summary>
/// Where a parameter's value goes before the code compares it with a table: variables set from it
/// (SET @List = REPLACE(@Names, ' ', '')), columns of table variables and temp tables filled from
/// it (INSERT @Names SELECT value FROM STRING_SPLIT(@List, ','), or a splitting function of the
/// project), and parameters of the procedures it is passed to (EXEC p @Name = @ProcessName). A
/// guard that compares such a variable or column with a table's column (IF EXISTS (… WHERE n.Name
/// NOT IN (SELECT [Schedule Name] FROM Cfg.CurrentSchedule)) RAISERROR …) then names that column
/// by the parameter (<see cref="CodeFacts.ParameterColumns"/>), as a direct comparison does.
/// </summary>
internal sealed class ParameterFlow
{
    /// <summary>Variable (a procedure's own or a callee's parameter) → the parameter of the transformation its value comes from.</summary>
    public Dictionary<string, string> Variables { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Column of a table variable or temp table → the parameter its values come from.</summary>
    public Dictionary<string, string> Columns { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Parameter → the separator STRING_SPLIT splits it (or what was made of it) on: a list of items, one per row.</summary>
    public Dictionary<string, string> Separators { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Follows <paramref name="parameters"/> through <paramref name="bodies"/> until nothing new is reached.</summary>
    public static ParameterFlow Follow(IEnumerable<string> parameters, IReadOnlyList<TSqlFragment> bodies)
    {
        var flow = new ParameterFlow();
        var declared = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var body in bodies) body.Accept(new DeclaredColumns(declared));
        // a chain (parameter → variable → table variable → callee's parameter) takes a pass per link
        for (int pass = 0, before = -1; pass < 8 && before != flow.Variables.Count + flow.Columns.Count; pass++)
        {
            if (pass == 0) foreach (var p in parameters) flow.Variables[p] = p;
            before = flow.Variables.Count + flow.Columns.Count;
            var visitor = new Visitor(flow, declared);
            foreach (var body in bodies) body.Accept(visitor);
        }
        return flow;
    }

    /// <summary>The parameter a value mentions (through a variable it flows into), if any.</summary>
    public string? Source(TSqlFragment? fragment)
    {
        if (fragment is null) return null;
        var found = new Mentions(this);
        fragment.Accept(found);
        return found.Parameter;
    }

    private void Flows(string variable, string parameter) => Variables.TryAdd(variable, parameter);

    private sealed class Mentions(ParameterFlow flow) : TSqlFragmentVisitor
    {
        public string? Parameter { get; private set; }

        public override void Visit(VariableReference node)
        {
            if (Parameter is null && flow.Variables.TryGetValue(node.Name, out var p)) Parameter = p;
        }
    }

    /// <summary>Columns of table variables and temp tables, in declared order (an INSERT without a column list fills them in that order).</summary>
    private sealed class DeclaredColumns(Dictionary<string, List<string>> declared) : TSqlFragmentVisitor
    {
        public override void Visit(DeclareTableVariableBody node) =>
            declared[node.VariableName.Value] = node.Definition.ColumnDefinitions.Select(c => c.ColumnIdentifier.Value).ToList();

        public override void Visit(CreateTableStatement node)
        {
            if (node.SchemaObjectName.BaseIdentifier.Value.StartsWith('#') && node.Definition is not null)
                declared[node.SchemaObjectName.BaseIdentifier.Value] = node.Definition.ColumnDefinitions.Select(c => c.ColumnIdentifier.Value).ToList();
        }
    }

    /// <summary>The arguments of the table-valued functions a FROM clause reads (STRING_SPLIT(@List, ','), dbo.SplitList(@List)).</summary>
    private sealed class FunctionArguments : TSqlFragmentVisitor
    {
        public List<ScalarExpression> Arguments { get; } = new();
        public override void Visit(SchemaObjectFunctionTableReference node) => Arguments.AddRange(node.Parameters);
        public override void Visit(GlobalFunctionTableReference node) => Arguments.AddRange(node.Parameters);
    }

    private sealed class Visitor(ParameterFlow flow, Dictionary<string, List<string>> declared) : TSqlFragmentVisitor
    {
        public override void Visit(DeclareVariableElement node)
        {
            if (flow.Source(node.Value) is { } p) flow.Flows(node.VariableName.Value, p);
        }

        public override void Visit(SetVariableStatement node)
        {
            if (flow.Source(node.Expression) is { } p) flow.Flows(node.Variable.Name, p);
        }

        public override void Visit(SelectSetVariable node)
        {
            if (flow.Source(node.Expression) is { } p) flow.Flows(node.Variable.Name, p);
        }

        public override void Visit(GlobalFunctionTableReference node)
        {
            if (node.Name.Value.Equals("STRING_SPLIT", StringComparison.OrdinalIgnoreCase) && node.Parameters is [var list, StringLiteral { Value: { Length: > 0 } separator }, ..]
                && flow.Source(list) is { } p)
                flow.Separators.TryAdd(p, separator);
        }

        public override void Visit(ExecuteParameter node)
        {
            // EXEC p @Name = @ProcessName: the callee's @Name holds the caller's parameter
            if (node.Variable is { } callee && flow.Source(node.ParameterValue) is { } p) flow.Flows(callee.Name, p);
        }

        /// <summary>
        /// A query over a function given the parameter (SELECT value AS [OrderId] INTO #ids FROM STRING_SPLIT(@List, ','),
        /// a derived table (SELECT TRIM(value) AS value FROM STRING_SPLIT(@List, ',')) AS l): every column it returns
        /// holds the parameter's items, by the name it returns them under.
        /// </summary>
        public override void Visit(QuerySpecification node)
        {
            if (node.FromClause is null) return;
            var functions = new FunctionArguments();
            foreach (var table in node.FromClause.TableReferences)
                if (table is SchemaObjectFunctionTableReference or GlobalFunctionTableReference) table.Accept(functions);
            if (functions.Arguments.Select(flow.Source).FirstOrDefault(p => p is not null) is not { } parameter) return;
            foreach (var e in node.SelectElements.OfType<SelectScalarExpression>())
            {
                var name = e.ColumnName?.Value ?? (e.Expression is ColumnReferenceExpression c ? c.MultiPartIdentifier?.Identifiers[^1].Value : null);
                if (name is { Length: > 0 }) flow.Columns.TryAdd(name, parameter);
            }
        }

        public override void Visit(InsertSpecification node)
        {
            if (node.InsertSource is not SelectInsertSource { Select: QuerySpecification q }) return;
            var target = node.Target switch
            {
                VariableTableReference v => v.Variable.Name,
                NamedTableReference n when n.SchemaObject.BaseIdentifier.Value.StartsWith('#') => n.SchemaObject.BaseIdentifier.Value,
                _ => null,
            };
            if (target is null) return;
            var columns = node.Columns.Count > 0
                ? node.Columns.Select(c => c.MultiPartIdentifier?.Identifiers[^1].Value ?? "").ToList()
                : declared.GetValueOrDefault(target) ?? new List<string>();
            // rows that come from a function given the parameter (a list split into names): every column it fills
            var functions = new FunctionArguments();
            q.FromClause?.Accept(functions);
            var fromFunction = functions.Arguments.Select(flow.Source).FirstOrDefault(p => p is not null);
            for (int i = 0; i < Math.Min(columns.Count, q.SelectElements.Count); i++)
            {
                var p = fromFunction ?? (q.SelectElements[i] is SelectScalarExpression e ? flow.Source(e.Expression) : null);
                if (p is not null && columns[i].Length > 0) flow.Columns.TryAdd(columns[i], p);
            }
        }
    }
}
