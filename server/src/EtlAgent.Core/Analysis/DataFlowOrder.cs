using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Analysis;

/// <summary>
/// Data flow between statements that each turn the failing case green with one edit (without
/// breaking a passing case): when the top one reads, directly or through the statements between,
/// what an earlier one wrote, and that earlier one writes a column that differs or a column the top
/// statement's fixing edit is about, the earlier one ranks first. It is where the wrong value is
/// first produced; an edit of the later statement can only compensate for the value it was given,
/// and MUSE's counts of fixing edits cannot tell the two apart (each has its own).
/// </summary>
public static class DataFlowOrder
{
    public static IReadOnlyList<StatementVotes> Upstream(TransformationAnalysis t, StatementIndex index, IReadOnlyList<StatementVotes> votes, FailureShape shape)
    {
        if (votes.Count < 2 || votes[0].Score < 1) return votes;
        var top = votes[0].Statement;
        var leaves = index.Statements.Where(s => !s.IsBlock).ToList();
        // the columns the top statement's fixing edit is about: a value an earlier statement wrote there is what it compensates for
        var touched = votes[0].Best is { } fix
            ? ExpressionColumns.Around(top.Node, fix.Start, fix.Length).Concat(ExpressionColumns.Named(fix.Mutated)).ToList()
            : new List<string>();
        var producer = votes.Skip(1)
            .Where(v => v.Score >= 1 && v.Statement.Start < top.Start && Feeds(t, leaves, v.Statement, top)
                && (WritesDiffering(t, v.Statement, shape) || ExpressionColumns.Written(t, v.Statement.Node).Any(c => touched.Contains(c, StringComparer.OrdinalIgnoreCase))))
            .OrderBy(v => v.Statement.Start)
            .FirstOrDefault();
        if (producer is null) return votes;
        return new[] { producer }.Concat(votes.Where(v => !ReferenceEquals(v, producer))).ToList();
    }

    private static bool WritesDiffering(TransformationAnalysis t, IndexedStatement s, FailureShape shape) =>
        ExpressionColumns.Written(t, s.Node).Any(c => shape.DifferingColumns.Contains(c, StringComparer.OrdinalIgnoreCase));

    /// <summary>Whether <paramref name="to"/> reads a table <paramref name="from"/> wrote, directly or through statements in between that read and write.</summary>
    internal static bool Feeds(TransformationAnalysis t, IReadOnlyList<IndexedStatement> leaves, IndexedStatement from, IndexedStatement to)
    {
        var reached = new HashSet<string>(ExpressionColumns.WrittenTables(t, from.Node).Select(Key), StringComparer.OrdinalIgnoreCase);
        foreach (var s in leaves.Where(s => s.Start > from.Start && s.Start <= to.Start).OrderBy(s => s.Start))
        {
            if (!Reads(t, s).Any(reached.Contains)) continue;
            if (s.Start == to.Start) return true;
            foreach (var w in ExpressionColumns.WrittenTables(t, s.Node)) reached.Add(Key(w));
        }
        return false;
    }

    /// <summary>Tables the statement reads: those it names, other than the ones it writes.</summary>
    private static IEnumerable<string> Reads(TransformationAnalysis t, IndexedStatement s)
    {
        var written = ExpressionColumns.WrittenTables(t, s.Node).Select(Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var named = new Named();
        s.Node.Accept(named);
        return named.Tables.Where(n => !written.Contains(n));
    }

    // #temp tables by name alone (their schema is whatever the reader assumed)
    private static string Key(QualifiedName n) => n.Name.StartsWith('#') ? n.Name : n.Schema + "." + n.Name;

    private sealed class Named : TSqlFragmentVisitor
    {
        public List<string> Tables { get; } = new();
        public override void Visit(NamedTableReference node) =>
            Tables.Add(Key(new QualifiedName(node.SchemaObject.SchemaIdentifier?.Value, node.SchemaObject.BaseIdentifier.Value)));
    }
}
