using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Lineage;

// Row guards: a predicate that compares a variable (`WHERE t.k = @v`, an inner join's ON) rejects every row while
// the variable is NULL, so in the rows a statement reads or writes @v has a value. A variable that only a lookup
// `SELECT @v = s.a, @w = s.b FROM S AS s WHERE s.id = @p` assigns, declared without a value, has one only when that
// lookup found a row: then @p matched a row (was not NULL) and @w holds that row's s.b (not NULL where s.b cannot be).
// A load filtered on @v thus writes @p and @w only in rows where they have values; with @p NULL it writes nothing.
public sealed partial class LineageAnalyzer
{
    /// <summary>Stands for the variables in a scope's NULL-rejected columns: `c = @v` marks @v as it marks c.</summary>
    private static readonly Relation VariableRows = new("@", null, Array.Empty<(string, ColumnOrigin)>(), open: false, null);

    /// <summary>How many statements of the body assign each variable (SET, SELECT @v =, FETCH INTO, OUTPUT, DECLARE ... = value).</summary>
    private readonly Dictionary<string, int> _assignmentCount = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Variables the body declares without a value: NULL until assigned.</summary>
    private readonly HashSet<string> _declaredEmpty = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>For a variable only one lookup assigns (see the file's note): the variables that have a value whenever it has.</summary>
    private readonly Dictionary<string, HashSet<string>> _rowGuards = new(StringComparer.OrdinalIgnoreCase);

    private int AssignmentsOf(string variable) => _assignmentCount.GetValueOrDefault(variable);

    /// <summary>Whether a predicate of this scope (or an enclosing one) keeps only rows where the variable has a value.</summary>
    private bool RowsGiveValue(string variable, QueryScope scope)
    {
        if (scope.IsNotNull(VariableRows, variable)) return true;
        foreach (var (guard, implied) in _rowGuards)
            if (implied.Contains(variable) && scope.IsNotNull(VariableRows, guard)) return true;
        return false;
    }

    /// <summary>
    /// After `SELECT @g = ..., @w = ... FROM ... WHERE ...` is read: each @g declared without a value that nothing else
    /// assigns guards the parameters the WHERE compares with `=` (assigned nowhere in the body) and the other variables
    /// of the lookup that nothing else assigns and that get a value that is never NULL in its rows. Not for a lookup
    /// without FROM or with an aggregate (one row even when nothing matches: COUNT gives 0).
    /// </summary>
    private void RecordRowGuards(QuerySpecification spec, List<(string Variable, ColumnOrigin Value)> assigned)
    {
        if (spec.FromClause is null || HasAggregate.Any(spec)) return;
        var implied = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (w, value) in assigned)
            if (AssignmentsOf(w) == 1 && value.Nullable == false) implied.Add(w);
        foreach (var c in Conjuncts(spec.WhereClause?.SearchCondition))
            if (c is BooleanComparisonExpression { ComparisonType: BooleanComparisonType.Equals } eq)
                foreach (var side in new[] { eq.FirstExpression, eq.SecondExpression })
                    if (Unwrap(side) is VariableReference p && AssignmentsOf(p.Name) == 0) implied.Add(p.Name);
        foreach (var (g, _) in assigned)
            if (AssignmentsOf(g) == 1 && _declaredEmpty.Contains(g))
                _rowGuards[g] = new HashSet<string>(implied.Where(v => !string.Equals(v, g, StringComparison.OrdinalIgnoreCase)), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Whether a scalar function's every RETURN gives a value that is never NULL: a constant, or an expression of
    /// constants that is NULL only when an argument is (`DATEFROMPARTS(2100, 1, 1)`). Variables and parameters are not
    /// followed: a RETURN of one is taken to be NULL-able.
    /// </summary>
    public static bool ReturnsValue(TSqlFragment? definition, Catalog.SchemaCatalog catalog)
    {
        if (definition is not FunctionStatementBody { ReturnType: ScalarFunctionReturnType, StatementList: { } body }) return false;
        var returns = new List<ReturnStatement>();
        body.Accept(new Returns(returns));
        var a = new LineageAnalyzer(catalog);
        return returns.Count > 0 && returns.All(r => r.Expression is { } e && !QueryInside.Any(e) && a.Expr(e, new QueryScope(null)).Nullable == false);
    }

    private sealed class Returns(List<ReturnStatement> into) : TSqlFragmentVisitor
    {
        public override void ExplicitVisit(ReturnStatement node) => into.Add(node);
    }

    /// <summary>Counts each variable's assignments and notes the ones declared without a value.</summary>
    private sealed class VariableAssignments(LineageAnalyzer a) : TSqlFragmentVisitor
    {
        private void Count(string name) => a._assignmentCount[name] = a.AssignmentsOf(name) + 1;
        public override void ExplicitVisit(DeclareVariableElement node)
        {
            if (node.Value is null) a._declaredEmpty.Add(node.VariableName.Value); else Count(node.VariableName.Value);
            base.ExplicitVisit(node);
        }
        public override void ExplicitVisit(SetVariableStatement node) { Count(node.Variable.Name); base.ExplicitVisit(node); }
        public override void ExplicitVisit(SelectSetVariable node) { Count(node.Variable.Name); base.ExplicitVisit(node); }
        public override void ExplicitVisit(AssignmentSetClause node) { if (node.Variable is not null) Count(node.Variable.Name); base.ExplicitVisit(node); }
        public override void ExplicitVisit(FetchCursorStatement node) { foreach (var v in node.IntoVariables) Count(v.Name); base.ExplicitVisit(node); }
        public override void ExplicitVisit(ExecuteParameter node) { if (node.IsOutput && node.ParameterValue is VariableReference v) Count(v.Name); base.ExplicitVisit(node); }
        public override void ExplicitVisit(ExecuteSpecification node) { if (node.Variable is not null) Count(node.Variable.Name); base.ExplicitVisit(node); }
    }

    /// <summary>Whether a query's own select list (not its subqueries') aggregates.</summary>
    private sealed class HasAggregate : TSqlFragmentVisitor
    {
        private bool _found;
        public override void ExplicitVisit(FunctionCall node)
        {
            if (node.CallTarget is null && AggregateFunctions.Contains(node.FunctionName.Value)) _found = true;
            base.ExplicitVisit(node);
        }
        public override void ExplicitVisit(ScalarSubquery node) { }
        public static bool Any(QuerySpecification spec)
        {
            if (spec.GroupByClause is not null || spec.HavingClause is not null) return true;
            var v = new HasAggregate();
            foreach (var e in spec.SelectElements) e.Accept(v);
            return v._found;
        }
    }
}
