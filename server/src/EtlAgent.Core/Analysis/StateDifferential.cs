using EtlAgent.Core.Lineage;
using EtlAgent.Core.Mutation;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Analysis;

/// <summary>
/// Where two versions first part ways: the current statement after which a table's state differs
/// from the other version's (or where the two runs stop running the same statements), the table,
/// and the columns whose values differ (a missing row paired with the unexpected row most like it;
/// none when rows are only lost or added).
/// </summary>
public sealed record StateDivergence(IndexedStatement? Statement, IndexedStatement? OtherStatement, string? Table, IReadOnlyList<string> Columns, int Missing, int Unexpected)
{
    /// <summary>True when the two runs stopped running the same statements (a condition or a deleted statement), not a table that differs.</summary>
    public bool ControlFlow => Table is null;
}

/// <summary>
/// Statement-by-statement differential execution: the failing case is run on the current version
/// and on another one (the last green version, or a candidate fix), both instrumented by
/// <see cref="StateProbe"/>; the probes' readings are walked in step (statements aligned by
/// <see cref="DifferentialLocalizer.Align"/>) to the first statement after which a table's state differs.
/// </summary>
public sealed class StateDifferential(WorkspaceAnalysis workspace, WorkspaceAnalyzer analyzer, Func<SandboxSetup, ISandboxFactory> createFactory)
{
    public TimeSpan CaseTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <returns>Null when the states never differ, or a version could not be instrumented or run.</returns>
    public async Task<StateDivergence?> FirstDivergenceAsync(TransformationAnalysis t, StatementIndex index, string otherText, TestCaseResult failing, CancellationToken cancellationToken)
    {
        var text = t.Document.Text;
        var otherWorkspace = MutantWorkspace.Create(workspace, analyzer, t.Transformation.File, otherText);
        if (otherWorkspace?.FindTransformation(t.Transformation.Name) is not { HasSyntax: true } other) return null;
        var otherIndex = new StatementIndex(other);
        var leaves = index.Statements.Where(s => !s.IsBlock).ToList();
        var otherLeaves = otherIndex.Statements.Where(s => !s.IsBlock).ToList();
        var aligned = DifferentialLocalizer.Align(leaves, otherLeaves);

        var now = await ReadAsync(t.Transformation.File, t.Transformation.Name, text, leaves, failing, cancellationToken);
        var then = await ReadAsync(t.Transformation.File, t.Transformation.Name, otherText, otherLeaves, failing, cancellationToken);
        if (now is null || then is null) return null;
        for (int i = 0; i < Math.Max(now.Count, then.Count); i++)
        {
            var a = i < now.Count ? now[i] : null;
            var b = i < then.Count ? then[i] : null;
            if (a is null || b is null || aligned.GetValueOrDefault(a.Statement, -1) != b.Statement)
                return new StateDivergence(a is null ? null : leaves[a.Statement], b is null ? null : otherLeaves[b.Statement], null, Array.Empty<string>(), 0, 0);
            foreach (var ((table, rowsNow), (_, rowsThen)) in a.Tables.Zip(b.Tables))
            {
                if (rowsNow is null || rowsThen is null) continue;
                var diff = Compare(rowsThen, rowsNow);
                if (diff.Missing.Count + diff.Unexpected.Count > 0)
                    return new StateDivergence(leaves[a.Statement], otherLeaves[b.Statement], table, Differing(diff), diff.Missing.Count, diff.Unexpected.Count);
            }
        }
        return null;
    }

    private async Task<List<ProbeReading>?> ReadAsync(string file, string transformation, string text, IReadOnlyList<IndexedStatement> leaves, TestCaseResult failing, CancellationToken cancellationToken)
    {
        var (instrumented, probes) = StateProbe.Instrument(text, leaves);
        if (probes.Count == 0) return null;
        var w = MutantWorkspace.Create(workspace, analyzer, file, instrumented);
        if (w is null) return null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CaseTimeout);
        try
        {
            await using var factory = createFactory(new SandboxSetup(w, failing.File.EnforceForeignKeys, transformation));
            await using var sandbox = await factory.CreateAsync(timeout.Token);
            foreach (var given in new TestRunner(w, createFactory).OrderForInsert(failing.Case.Given))
                if (given.Rows.Count > 0)
                    await sandbox.InsertRowsAsync(given.Table, given.Rows.Select(r => r.ToSandboxRow()).ToList(), timeout.Token);
            var request = new ExecutionRequest(failing.File.Transformation, failing.Case.Call.ToDictionary(a => a.Key, a => a.Value, StringComparer.OrdinalIgnoreCase), failing.Case.Clock, InTransaction: failing.Case.InTransaction);
            var result = await sandbox.ExecuteAsync(request, timeout.Token);
            return StateProbe.Read(result.ResultSets, probes);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // a version the sandbox cannot run instrumented says nothing here: the revert evidence still stands
            return null;
        }
    }

    /// <summary>The other version's rows as expected, the current's as actual, over the columns both have.</summary>
    private static RowComparison.Diff Compare(ResultSet then, ResultSet now)
    {
        var columns = then.Columns.Where(c => now.Columns.Contains(c, StringComparer.OrdinalIgnoreCase)).ToList();
        var expected = then.Rows.Select(r => new TestRow(columns.Select(c => new KeyValuePair<string, object?>(c, r.GetValueOrDefault(c))).ToList())).ToList();
        return RowComparison.Compare(expected, now.Rows, columns, _ => null);
    }

    /// <summary>Columns that differ between missing and unexpected rows, each missing row paired with the unexpected one that agrees on the most columns.</summary>
    internal static IReadOnlyList<string> Differing(RowComparison.Diff diff)
    {
        var result = new List<string>();
        var free = diff.Unexpected.ToList();
        foreach (var miss in diff.Missing)
        {
            if (free.Count == 0) break;
            var best = free.OrderByDescending(u => Enumerable.Range(0, diff.Columns.Count).Count(i => RowComparison.ValuesEqual(miss[i], u[i]))).First();
            free.Remove(best);
            for (int i = 0; i < diff.Columns.Count; i++)
                if (!RowComparison.ValuesEqual(miss[i], best[i]) && !result.Contains(diff.Columns[i], StringComparer.OrdinalIgnoreCase)) result.Add(diff.Columns[i]);
        }
        return result;
    }
}
