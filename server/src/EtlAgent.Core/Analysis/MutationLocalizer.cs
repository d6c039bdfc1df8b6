using System.Diagnostics;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Mutation;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Analysis;

/// <summary>What one statement earned in mutation-based localisation.</summary>
public sealed record StatementVotes(IndexedStatement Statement, double Score, int Fixes, int Partial, Mutant? Best)
{
    /// <summary>Every edit of the statement that turned the case green, best first.</summary>
    public IReadOnlyList<Mutant> Fixing { get; init; } = Array.Empty<Mutant>();
}

/// <summary>
/// Mutation-based fault localisation (after MUSE): every single edit the project's mutation
/// operators make in a statement the failing case ran is tried on that case; an edit that turns it
/// green votes for its statement, more so when the cases that pass now still pass with it, and an
/// edit that brings the case closer to passing (fewer wrong rows) votes a little. Statements are
/// tried round robin, most suspect first by the prior (lineage and coverage), until the budget (an
/// edit elsewhere can turn the case green too, compensating for the fault: every statement is tried
/// while there is time, and the one with the most such edits ranks first).
/// </summary>
public sealed class MutationLocalizer(WorkspaceAnalysis workspace, WorkspaceAnalyzer analyzer, Func<SandboxSetup, ISandboxFactory> createFactory)
{
    public TimeSpan Budget { get; init; } = TimeSpan.FromSeconds(15);
    public TimeSpan CaseTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public int Parallelism { get; init; } = BoundedParallel.DefaultDegree;

    public async Task<IReadOnlyList<StatementVotes>> LocaliseAsync(TransformationAnalysis t, StatementIndex index, TestCaseResult failing,
        IReadOnlyList<TestCaseResult> passing, Func<IndexedStatement, double> prior, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var reach = new MutantReach(t);
        var shape = FailureShape.Of(failing);
        var mutants = MutantGenerator.Generate(t, workspace.Catalog)
            .Where(m => reach.Reaches(m, failing.Covered))
            .Select(m => (Mutant: m, Statement: index.Innermost(m.Start, m.Length)))
            .Where(x => x.Statement is { IsBlock: false })
            // round robin over the statements, most suspect first: the first edits of every statement
            // are tried before the later edits of any, so a tight budget still reaches each suspect
            .GroupBy(x => x.Statement!.Start)
            .SelectMany(g => g.OrderByDescending(x => Relevance(x.Mutant, x.Statement!, shape)).ThenBy(x => x.Mutant.Start).Select((x, i) => (x.Mutant, x.Statement, Round: i)))
            .OrderBy(x => x.Round).ThenByDescending(x => prior(x.Statement!)).ThenBy(x => x.Mutant.Start)
            .Select(x => (x.Mutant, x.Statement))
            .ToList();
        // the edits that put back what a fault takes away are few and aimed at what the case shows: tried first
        var inverse = InverseEdits.Generate(t, workspace.Catalog, failing, index.CoveredLeaves(failing.Covered).ToList())
            .Select(m => (Mutant: m, Statement: index.Innermost(m.Start, m.Length)))
            .Where(x => x.Statement is { IsBlock: false })
            .OrderByDescending(x => prior(x.Statement!)).ThenBy(x => x.Mutant.Start);
        mutants = inverse.Concat(mutants).ToList();

        var outcomes = new List<(Mutant M, IndexedStatement S, double Vote)>();
        int chunk = Math.Max(1, Parallelism) * 4;
        for (int next = 0; next < mutants.Count && watch.Elapsed < Budget; next += chunk)
        {
            var batch = mutants.Skip(next).Take(chunk).Where(x => x.Statement is not null).ToList();
            var votes = await BoundedParallel.MapAsync(batch, Parallelism,
                (x, _, ct) => VoteAsync(t, x.Mutant, failing, shape, passing, reach, ct), cancellationToken);
            for (int i = 0; i < batch.Count; i++)
                if (votes[i] > 0) outcomes.Add((batch[i].Mutant, batch[i].Statement!, votes[i]));
        }
        return outcomes.GroupBy(o => o.S)
            .Select(g => new StatementVotes(g.Key, g.Max(o => o.Vote) + 0.01 * g.Count(o => o.Vote >= 0.5), g.Count(o => o.Vote >= 0.5), g.Count(o => o.Vote < 0.5),
                g.OrderByDescending(o => o.Vote).ThenByDescending(o => InverseEdits.IsInverse(o.M)).ThenBy(o => o.M.Length).First().M)
            {
                // of the edits that fix the case equally well, one that puts back a conventional form (a fallback, a name that
                // matches) is the likelier repair than one that injects other logic and happens to fit these rows
                Fixing = g.Where(o => o.Vote >= 0.6).OrderByDescending(o => o.Vote).ThenByDescending(o => InverseEdits.IsInverse(o.M)).ThenBy(o => o.M.Length).Select(o => o.M).ToList(),
            })
            .OrderByDescending(v => v.Score).ThenByDescending(v => prior(v.Statement))
            .ToList();
    }

    /// <summary>
    /// Within a statement, the edits that can explain what the case shows first: when rows are lost,
    /// added or duplicated, those in a filter or join condition (or a join type); when values differ,
    /// those in an expression that names a differing column.
    /// </summary>
    private static int Relevance(Mutant m, IndexedStatement s, FailureShape shape)
    {
        bool rows = shape.Missing != shape.Unexpected || shape.Duplicated || shape.DifferingColumns.Count == 0;
        if (rows && (m.Operator.Contains("JOIN", StringComparison.Ordinal) || InCondition(s.Node, m.Start, m.Length))) return 2;
        if (!rows && ExpressionColumns.Around(s.Node, m.Start, m.Length).Intersect(shape.DifferingColumns, StringComparer.OrdinalIgnoreCase).Any()) return 2;
        return 1;
    }

    private static bool InCondition(Microsoft.SqlServer.TransactSql.ScriptDom.TSqlStatement statement, int start, int length)
    {
        var v = new Conditions();
        statement.Accept(v);
        return v.Found.Any(c => c.StartOffset <= start && start + length <= c.StartOffset + c.FragmentLength);
    }

    private sealed class Conditions : Microsoft.SqlServer.TransactSql.ScriptDom.TSqlFragmentVisitor
    {
        public List<Microsoft.SqlServer.TransactSql.ScriptDom.TSqlFragment> Found { get; } = new();
        public override void Visit(Microsoft.SqlServer.TransactSql.ScriptDom.WhereClause node) { if (node.SearchCondition is not null) Found.Add(node.SearchCondition); }
        public override void Visit(Microsoft.SqlServer.TransactSql.ScriptDom.QualifiedJoin node) { if (node.SearchCondition is not null) Found.Add(node.SearchCondition); }
        public override void Visit(Microsoft.SqlServer.TransactSql.ScriptDom.HavingClause node) { if (node.SearchCondition is not null) Found.Add(node.SearchCondition); }
        public override void Visit(Microsoft.SqlServer.TransactSql.ScriptDom.MergeSpecification node) { if (node.SearchCondition is not null) Found.Add(node.SearchCondition); }
    }

    /// <summary>1 when the mutant makes the failing case pass and breaks no passing case that runs the statement; 0.6 when it breaks one; 0.2 when it only gets closer.</summary>
    private async Task<double> VoteAsync(TransformationAnalysis t, Mutant m, TestCaseResult failing, FailureShape shape,
        IReadOnlyList<TestCaseResult> passing, MutantReach reach, CancellationToken cancellationToken)
    {
        var mutated = MutantWorkspace.Create(workspace, analyzer, t.Transformation.File, m.Apply(t.Document.Text));
        if (mutated is null) return 0;
        var runner = new TestRunner(mutated, createFactory) { CaseTimeout = CaseTimeout };
        await using var factory = createFactory(new SandboxSetup(mutated, failing.File.EnforceForeignKeys, t.Transformation.Name));
        var r = await runner.RunCaseAsync(factory, failing.File, failing.Case, MutantTimeout.For(failing.Elapsed, CaseTimeout), cancellationToken);
        if (r.Outcome == TestOutcome.Error) return 0;
        if (r.Outcome == TestOutcome.Failed)
        {
            var now = FailureShape.Of(r);
            return now.Signature == shape.Signature && now.Distance < shape.Distance ? 0.2 : 0;
        }
        foreach (var p in passing.Where(p => p.File.EnforceForeignKeys == failing.File.EnforceForeignKeys && reach.Reaches(m, p.Covered)).Take(6))
        {
            var other = await runner.RunCaseAsync(factory, p.File, p.Case, MutantTimeout.For(p.Elapsed, CaseTimeout), cancellationToken);
            if (other.Outcome != TestOutcome.Passed) return 0.6;
        }
        return 1;
    }
}
