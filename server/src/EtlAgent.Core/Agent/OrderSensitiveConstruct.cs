using EtlAgent.Core.Healing;
using EtlAgent.Core.Lineage;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Agent;

/// <summary>
/// A construct whose result the data and the call do not decide alone: TOP without ORDER BY, a
/// variable assigned from several rows, ROW_NUMBER (and the other functions that number or pick
/// rows) over an ORDER BY that may tie, the clock, NEWID(). <see cref="Exposes"/> is the
/// perturbation that makes it show; <see cref="Statement"/> the statement it is in.
/// </summary>
/// <param name="Start">Offset of the construct in the transformation's file.</param>
/// <param name="Rank">Order among the candidates of one perturbation: the likelier culprit first.</param>
public sealed record OrderSensitiveConstruct(string Name, string Advice, Perturbation Exposes, int Start, int Length, int Rank, ProcedureStatements.Statement Statement)
{
    /// <summary>The constructs of a transformation's statements, in source order.</summary>
    public static IReadOnlyList<OrderSensitiveConstruct> Of(TransformationAnalysis t)
    {
        var found = new List<OrderSensitiveConstruct>();
        foreach (var s in ProcedureStatements.Of(t))
        {
            var finder = new Finder(s, found);
            if (s.Condition is { } c) c.Accept(finder); else s.Syntax.Accept(finder);
        }
        return found.DistinctBy(f => (f.Start, f.Name)).OrderBy(f => f.Start).ToList();
    }

    private const string UniqueOrder = "add an ORDER BY whose columns are unique (a key last) so one row is chosen on every server and run";

    private sealed class Finder(ProcedureStatements.Statement statement, List<OrderSensitiveConstruct> found) : TSqlFragmentVisitor
    {
        private void Add(TSqlFragment at, string name, string advice, Perturbation exposes, int rank) =>
            found.Add(new OrderSensitiveConstruct(name, advice, exposes, at.StartOffset, at.FragmentLength, rank, statement));

        public override void Visit(QuerySpecification node)
        {
            if (node.TopRowFilter is { } top)
            {
                if (node.OrderByClause is null) Add(top, "TOP without ORDER BY", UniqueOrder, Perturbation.ReversedRows, 0);
                else Add(top, "TOP with an ORDER BY that may tie", "make the ORDER BY unique (add a key column) so ties cannot pick another row", Perturbation.ReversedRows, 3);
            }
            else if (node.OrderByClause is null && node.FromClause is not null && node.SelectElements.OfType<SelectSetVariable>().FirstOrDefault() is { } assign)
                Add(assign, "a variable assigned from several rows without ORDER BY", "pick one row explicitly (TOP (1) … ORDER BY a unique key, or an aggregate)", Perturbation.ReversedRows, 1);
        }

        public override void Visit(UpdateSpecification node)
        {
            if (node.TopRowFilter is { } top) Add(top, "UPDATE TOP", "choose the rows with a subquery that has a unique ORDER BY", Perturbation.ReversedRows, 0);
        }

        public override void Visit(DeleteSpecification node)
        {
            if (node.TopRowFilter is { } top) Add(top, "DELETE TOP", "choose the rows with a subquery that has a unique ORDER BY", Perturbation.ReversedRows, 0);
        }

        public override void Visit(FunctionCall node)
        {
            var name = node.FunctionName.Value.ToUpperInvariant();
            if (node.OverClause is not null && name is "ROW_NUMBER" or "NTILE" or "LAG" or "LEAD" or "FIRST_VALUE" or "LAST_VALUE")
                Add(node, $"{name}() over an ORDER BY that may tie", "make the window's ORDER BY unique (add a key column) so tied rows are numbered the same way every time", Perturbation.ReversedRows, 2);
            else if (name == "STRING_AGG" && node.WithinGroupClause is null)
                Add(node, "STRING_AGG without WITHIN GROUP (ORDER BY …)", "add WITHIN GROUP (ORDER BY a unique key)", Perturbation.ReversedRows, 2);
            else if (name is "GETDATE" or "SYSDATETIME" or "GETUTCDATE" or "SYSUTCDATETIME" or "SYSDATETIMEOFFSET")
                Add(node, $"{name}()", "give the case a fixed clock (clock: in the test file) or pass the time in as a parameter", Perturbation.ShiftedClock, 0);
            else if (name == "NEWID")
                Add(node, "NEWID()", "do not let the result depend on NEWID() (order or pick by a key instead)", Perturbation.ReseededNewId, 0);
        }

        public override void Visit(ParameterlessCall node)
        {
            if (node.ParameterlessCallType == ParameterlessCallType.CurrentTimestamp)
                Add(node, "CURRENT_TIMESTAMP", "give the case a fixed clock (clock: in the test file) or pass the time in as a parameter", Perturbation.ShiftedClock, 0);
        }
    }
}
