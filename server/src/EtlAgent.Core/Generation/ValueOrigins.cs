using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Generation;

/// <summary>
/// The table columns a variable's value may come from, across a transformation and the procedures and
/// functions it calls: a column read into it (SELECT @v = c FROM T, SET @v = (SELECT c FROM T …)), a
/// scalar function whose RETURN yields such a column, and what a caller passes for a callee's parameter
/// (EXEC p @v, f(@v)), through ISNULL, COALESCE, NULLIF, trims and conversions. A literal the code then
/// tests the variable against (IF @Mode = N'Calls' …) is a value that column must hold for the branch to
/// run: a setting read through a function by a key, then handed down to the procedure that acts on it.
/// Variables are known by name across the modules, as the rest of <see cref="CodeFacts"/> knows them.
/// </summary>
internal sealed class ValueOrigins
{
    /// <summary>Variable, or "fn:" + function for what a function returns → the variables and functions it is set from.</summary>
    private readonly Dictionary<string, HashSet<string>> _from = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Variable or function → the columns it reads directly.</summary>
    private readonly Dictionary<string, HashSet<(QualifiedName Table, string Column)>> _columns = new(StringComparer.OrdinalIgnoreCase);

    public static ValueOrigins Collect(IReadOnlyList<TransformationAnalysis> closure, Func<QualifiedName, QualifiedName> resolve)
    {
        var origins = new ValueOrigins();
        var modules = closure.Where(t => t.Transformation.Kind is TransformationKind.Procedure or TransformationKind.Function)
            .GroupBy(t => t.Transformation.Name, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
        foreach (var t in closure.Where(t => t.HasSyntax))
        {
            var visitor = new Visitor(origins, modules, resolve, t.Transformation.Kind == TransformationKind.Function ? Function(t.Transformation.Name) : null);
            foreach (var f in t.Syntax.Body) f.Accept(visitor);
        }
        return origins;
    }

    /// <summary>The columns <paramref name="variable"/> may hold a value of, followed through every link.</summary>
    public IEnumerable<(QualifiedName Table, string Column)> ColumnsOf(string variable)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var found = new List<(QualifiedName, string)>();
        var stack = new Stack<string>();
        stack.Push(variable);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            if (!seen.Add(node)) continue;
            if (_columns.TryGetValue(node, out var columns)) found.AddRange(columns.Where(c => !found.Contains(c)));
            if (_from.TryGetValue(node, out var sources)) foreach (var s in sources) stack.Push(s);
        }
        return found;
    }

    private static string Function(string name) => "fn:" + name;

    private sealed class Visitor(ValueOrigins origins, Dictionary<string, TransformationAnalysis> modules, Func<QualifiedName, QualifiedName> resolve, string? function)
        : TSqlFragmentVisitor
    {
        private readonly Stack<FromClause?> _from = new();

        public override void ExplicitVisit(QuerySpecification node)
        {
            _from.Push(node.FromClause);
            base.ExplicitVisit(node);
            _from.Pop();
        }

        public override void Visit(DeclareVariableElement node) { if (node.Value is not null) Assign(node.VariableName.Value, node.Value, null); }

        public override void Visit(SetVariableStatement node)
        {
            if (node.AssignmentKind == AssignmentKind.Equals && node.Expression is not null) Assign(node.Variable.Name, node.Expression, null);
        }

        public override void Visit(SelectSetVariable node)
        {
            if (node.AssignmentKind == AssignmentKind.Equals) Assign(node.Variable.Name, node.Expression, _from.Count > 0 ? _from.Peek() : null);
        }

        public override void Visit(ReturnStatement node)
        {
            if (function is not null && node.Expression is not null) Assign(function, node.Expression, null);
        }

        public override void Visit(FunctionCall node)
        {
            // f(@Mode): the function's parameter holds what the caller passes
            if (Callee(node) is not { } callee) return;
            var parameters = callee.Transformation.Parameters;
            for (int i = 0; i < node.Parameters.Count && i < parameters.Count; i++) Assign(parameters[i].Name, node.Parameters[i], null);
        }

        public override void Visit(ExecuteSpecification node)
        {
            // EXEC p @Setting, … or EXEC p @Mode = @Setting: the procedure's parameter holds the argument
            if (node.ExecutableEntity is not ExecutableProcedureReference { ProcedureReference.ProcedureReference.Name: { } name } proc
                || !modules.TryGetValue(Catalog.DdlReader.ReferenceOf(name).ToString(), out var callee)) return;
            var parameters = callee.Transformation.Parameters;
            for (int i = 0; i < proc.Parameters.Count; i++)
            {
                var argument = proc.Parameters[i];
                var parameter = argument.Variable?.Name ?? (i < parameters.Count ? parameters[i].Name : null);
                if (parameter is not null && !argument.IsOutput) Assign(parameter, argument.ParameterValue, null);
            }
        }

        private TransformationAnalysis? Callee(FunctionCall node) =>
            node.CallTarget is MultiPartIdentifierCallTarget { MultiPartIdentifier.Count: 1 } target
            && modules.TryGetValue($"{target.MultiPartIdentifier.Identifiers[0].Value}.{node.FunctionName.Value}", out var callee)
            && callee.Transformation.Kind == TransformationKind.Function ? callee : null;

        private void Assign(string target, ScalarExpression value, FromClause? from)
        {
            switch (value)
            {
                case ParenthesisExpression p: Assign(target, p.Expression, from); break;
                case CastCall c: Assign(target, c.Parameter, from); break;
                case ConvertCall c: Assign(target, c.Parameter, from); break;
                case TryCastCall c: Assign(target, c.Parameter, from); break;
                case TryConvertCall c: Assign(target, c.Parameter, from); break;
                case CoalesceExpression c: foreach (var e in c.Expressions) Assign(target, e, from); break;
                case NullIfExpression n: Assign(target, n.FirstExpression, from); break;
                case VariableReference v: Link(target, v.Name); break;
                case ScalarSubquery { QueryExpression: QuerySpecification { SelectElements: [SelectScalarExpression only] } q }:
                    Assign(target, only.Expression, q.FromClause);
                    break;
                case ColumnReferenceExpression column when TableOf(column, from) is { } table:
                    if (!origins._columns.TryGetValue(target, out var columns)) origins._columns[target] = columns = new();
                    columns.Add((table, column.MultiPartIdentifier.Identifiers[^1].Value));
                    break;
                case FunctionCall f when Callee(f) is { } callee: Link(target, Function(callee.Transformation.Name)); break;
                case FunctionCall f when f.FunctionName.Value.ToUpperInvariant() is "ISNULL":
                    foreach (var e in f.Parameters) Assign(target, e, from);
                    break;
                case FunctionCall { Parameters.Count: >= 1 } f when f.FunctionName.Value.ToUpperInvariant() is "LTRIM" or "RTRIM" or "TRIM" or "UPPER" or "LOWER":
                    Assign(target, f.Parameters[0], from);
                    break;
            }
        }

        private void Link(string target, string source)
        {
            if (string.Equals(target, source, StringComparison.OrdinalIgnoreCase)) return;
            if (!origins._from.TryGetValue(target, out var sources)) origins._from[target] = sources = new(StringComparer.OrdinalIgnoreCase);
            sources.Add(source);
        }

        /// <summary>The table a column is read from: the one its qualifier names in the FROM, or the FROM's only table.</summary>
        private QualifiedName? TableOf(ColumnReferenceExpression column, FromClause? from)
        {
            if (from is null || column.MultiPartIdentifier is not { Count: > 0 } id) return null;
            var named = from.TableReferences.SelectMany(CodeFacts.NamedTables).ToList();
            var qualifier = id.Count >= 2 ? id.Identifiers[^2].Value : null;
            var table = qualifier is null
                ? (named.Count == 1 ? named[0] : null)
                : named.FirstOrDefault(n => string.Equals(n.Alias?.Value ?? n.SchemaObject.BaseIdentifier.Value, qualifier, StringComparison.OrdinalIgnoreCase));
            if (table is null || table.SchemaObject.BaseIdentifier.Value.StartsWith('#')) return null;
            return resolve(Catalog.DdlReader.ReferenceOf(table.SchemaObject));
        }
    }
}
