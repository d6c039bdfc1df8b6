using System.Globalization;
using EtlAgent.Core.Healing;
using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Agent;

/// <summary>
/// Nondeterminism instead of "flaky": re-runs cases in the sandbox under perturbations (given rows
/// stored in another order, the clock moved, another NEWID seed; <see cref="Perturbation"/>) and,
/// when a case's outcome changes, names the statement whose construct depends on what changed
/// (ETL0132, <see cref="NondeterministicStatement"/>). A case whose outcome differed between two
/// runs (ETL0131) gets every perturbation; any other case only those its transformation's
/// constructs could react to, and only when it ran the statement holding one.
/// </summary>
public sealed class NondeterminismProbe(WorkspaceAnalysis analysis, Func<SandboxSetup, ISandboxFactory> createFactory, Func<string, string?> readText)
{
    /// <summary>Cases of one transformation re-run on suspicion alone (those ETL0131 flagged are all re-run).</summary>
    public int CasesPerTransformation { get; init; } = 3;

    public TimeSpan CaseTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <param name="flagged">"transformation|case" of the cases whose outcome differed between runs (the anchors of ETL0131).</param>
    /// <param name="budget">Time for all re-runs; when it ends, the findings so far are returned.</param>
    public async Task<List<Finding>> ProbeAsync(TestRunResult tests, IReadOnlySet<string> flagged, TimeSpan budget, CancellationToken cancellationToken)
    {
        var findings = new Dictionary<string, (Finding First, int Cases, Func<int, Finding> Make)>(StringComparer.Ordinal);
        var factories = new Dictionary<(bool, string), ISandboxFactory>();
        using var time = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        time.CancelAfter(budget);
        var runner = new TestRunner(analysis, createFactory) { CaseTimeout = CaseTimeout };
        try
        {
            foreach (var group in tests.Cases.GroupBy(c => c.File.Transformation, StringComparer.OrdinalIgnoreCase))
            {
                var t = analysis.FindTransformation(group.Key);
                var constructs = t is { HasSyntax: true } ? OrderSensitiveConstruct.Of(t) : Array.Empty<OrderSensitiveConstruct>();
                int proactive = 0;
                foreach (var c in group)
                {
                    bool isFlagged = flagged.Contains($"{c.File.Transformation}|{c.Case.Name}");
                    var perturbations = Relevant(c, constructs, t?.Transformation.File, isFlagged);
                    if (perturbations.Count == 0 || (!isFlagged && proactive++ >= CasesPerTransformation)) continue;
                    if (!factories.TryGetValue((c.File.EnforceForeignKeys, c.File.Transformation), out var inner))
                        factories[(c.File.EnforceForeignKeys, c.File.Transformation)] = inner = createFactory(new SandboxSetup(analysis, c.File.EnforceForeignKeys, c.File.Transformation));
                    var baseline = Signature(c);
                    bool rowOrderChanged = false;
                    foreach (var p in perturbations)
                    {
                        if (rowOrderChanged && Perturbations.IsRowOrder(p)) continue;
                        var again = await runner.RunCaseAsync(new PerturbedSandboxFactory(inner, p, analysis), c.File, c.Case, time.Token).ConfigureAwait(false);
                        if (Signature(again) == baseline) continue;
                        rowOrderChanged |= Perturbations.IsRowOrder(p);
                        foreach (var (key, make) in Name(t, constructs, c, again, p))
                        {
                            if (findings.TryGetValue(key, out var known)) findings[key] = known with { Cases = known.Cases + 1 };
                            else findings[key] = (make(0), 1, make);
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException) when (time.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // the budget ended: what was found so far stands
        }
        finally
        {
            foreach (var f in factories.Values) await f.DisposeAsync().ConfigureAwait(false);
        }
        return findings.Values.Select(f => f.Cases > 1 ? f.Make(f.Cases - 1) : f.First).ToList();
    }

    /// <summary>The perturbations worth trying for a case: all for a flagged one; else those its covered constructs react to.</summary>
    private static List<Perturbation> Relevant(TestCaseResult c, IReadOnlyList<OrderSensitiveConstruct> constructs, string? file, bool flagged)
    {
        var all = Enum.GetValues<Perturbation>().Where(p => p != Perturbation.ShiftedClock || c.Case.Clock is null).ToList();
        if (flagged) return all;
        if (c.Outcome == TestOutcome.Error) return new List<Perturbation>(); // it did not run to its end: nothing to compare
        // statements the case ran, when the sandbox says (a file it did not report at all: unknown)
        bool Ran(OrderSensitiveConstruct k) => c.Covered is not { } covered || file is null || !covered.Any(x => x.File == file) || covered.Contains((file, k.Statement.Start));
        var reacts = constructs.Where(Ran).Select(k => k.Exposes).ToHashSet();
        return all.Where(p => reacts.Contains(Perturbations.IsRowOrder(p) ? Perturbation.ReversedRows : p)).ToList();
    }

    /// <summary>The findings for a case whose outcome changed under <paramref name="p"/>: keyed by statement and construct, made with the count of other cases.</summary>
    private IEnumerable<(string Key, Func<int, Finding> Make)> Name(Lineage.TransformationAnalysis? t, IReadOnlyList<OrderSensitiveConstruct> constructs,
        TestCaseResult before, TestCaseResult after, Perturbation p)
    {
        var consequence = Consequence(before, after);
        var kind = Perturbations.IsRowOrder(p) ? Perturbation.ReversedRows : p;
        var candidates = constructs.Where(k => k.Exposes == kind).ToList();
        if (t is null || candidates.Count == 0)
        {
            var text = readText(before.File.Path);
            yield return ($"{before.File.Transformation}|{before.Case.Name}|{kind}", _ => NondeterministicStatement.Unexplained(before, text, p, consequence));
            yield break;
        }
        // the constructs in statements that write the tables whose rows differ, or feed those statements; else the likeliest kind
        var related = Related(t, before.Failures.Concat(after.Failures));
        var chosen = candidates.Where(k => related.Contains(k.Statement.Start)).ToList();
        if (chosen.Count == 0) chosen = candidates.Where(k => k.Rank == candidates.Min(x => x.Rank)).ToList();
        var file = t.Transformation.File;
        var source = t.Document.Text;
        foreach (var k in chosen)
            yield return ($"{file}|{k.Start}|{k.Name}|{kind}", others => NondeterministicStatement.For(k, file, source, before, p, consequence, others));
    }

    /// <summary>Offsets of the statements that write a table named in <paramref name="failures"/> and of those that feed them (tables or variables they read).</summary>
    private static HashSet<int> Related(Lineage.TransformationAnalysis t, IEnumerable<TestFailure> failures)
    {
        var tables = failures.Select(f => f switch
        {
            RowsMismatch { Table: { } table } => table,
            RowCountMismatch r => r.Table,
            _ => (QualifiedName?)null,
        }).OfType<QualifiedName>().ToHashSet();
        var statements = ProcedureStatements.Of(t);
        var ranked = statements.Where(s => s.Writes is { } w && tables.Contains(w)).ToList();
        for (int i = 0; i < ranked.Count; i++)
        {
            var reader = ranked[i];
            ranked.AddRange(statements.Where(s => s.Start < reader.Start && !ranked.Any(r => r.Start == s.Start) &&
                (s.Writes is { } w && reader.Reads.Contains(w.ToString()) || s.Assigns.Any(reader.Reads.Contains))));
        }
        return ranked.Select(s => s.Start).ToHashSet();
    }

    private static string Consequence(TestCaseResult before, TestCaseResult after) => (before.Outcome, after.Outcome) switch
    {
        (TestOutcome.Passed, _) => $"fails ({after.Failures.FirstOrDefault()?.Summary ?? after.Outcome.ToString().ToLowerInvariant()})",
        (_, TestOutcome.Passed) => "passes (it fails as the test runs it)",
        _ => $"fails differently ({after.Failures.FirstOrDefault()?.Summary ?? after.Outcome.ToString().ToLowerInvariant()})",
    };

    /// <summary>What decides whether two runs of a case ended the same way: the outcome and each failure with its rows, in no particular order.</summary>
    private static string Signature(TestCaseResult c)
    {
        static string Row(IReadOnlyList<object?> row) => string.Join("\u001f", row.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)));
        var failures = c.Failures.Select(f => f is RowsMismatch m
            ? $"{f.Summary}\u001e{string.Join("\u001e", m.Diff.Missing.Select(Row).Order(StringComparer.Ordinal))}\u001d{string.Join("\u001e", m.Diff.Unexpected.Select(Row).Order(StringComparer.Ordinal))}"
            : f.Summary).Order(StringComparer.Ordinal);
        return $"{c.Outcome}\u001c{string.Join("\u001c", failures)}";
    }
}
