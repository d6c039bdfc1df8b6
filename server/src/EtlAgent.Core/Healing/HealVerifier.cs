using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Healing;

/// <summary>
/// Verifies a repair in the sandbox before anyone sees it: the edits applied to the files' text,
/// the edited procedure re-parsed and re-checked, an edited test file re-loaded, then the affected
/// test files run — the failing cases it targets first, then every case that passed before. It is
/// verified when every targeted case passes, every case that passed still passes, and the edited
/// files have no more static findings at warning or above than before. The evidence is the count
/// of passing cases and of new findings (<see cref="HealVerification"/>).
/// </summary>
public sealed class HealVerifier(WorkspaceAnalysis workspace, WorkspaceAnalyzer analyzer, Func<SandboxSetup, ISandboxFactory> createFactory, Func<string, string?> readText)
{
    public TimeSpan CaseTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <param name="baseline">Every case of the affected test files, run on the current text.</param>
    /// <param name="targets">The failing cases the repair must turn green.</param>
    /// <returns>The evidence, or null when the repair does not parse, does not load, or fails a case it must pass.</returns>
    public async Task<HealVerification?> VerifyAsync(RepairCandidate candidate, IReadOnlyList<TestCaseResult> baseline,
        IReadOnlyList<TestCaseResult> targets, CancellationToken cancellationToken = default)
    {
        var changes = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var file in candidate.Edits.Select(e => e.File).Distinct())
        {
            if (readText(file) is not { } text || SpanEdits.Apply(text, candidate.Edits, file) is not { } edited) return null;
            changes[file] = edited;
        }
        var code = changes.Where(c => !TestFile.IsTestFile(c.Key)).ToDictionary(c => c.Key, c => c.Value);
        var patched = workspace;
        if (code.Count > 0)
        {
            // the rules run once the targeted cases pass: most candidates fail there, and the tests are the cheaper check
            patched = analyzer.Patch(workspace, code, runRules: false, rebuildCatalog: false, cancellationToken: cancellationToken);
            foreach (var file in code.Keys)
            {
                var doc = patched.Documents.FirstOrDefault(d => d.Document.Path == file);
                if (doc is null || doc.Document.Errors.Count > 0 || doc.Document.Tree is null || patched.RuleFailures.Any(f => f.File == file)) return null;
            }
        }

        // the affected files, re-loaded where the repair edits them
        var files = new Dictionary<string, TestFile>(StringComparer.Ordinal);
        foreach (var file in baseline.Select(r => r.File).DistinctBy(f => f.Path))
        {
            if (changes.TryGetValue(file.Path, out var text))
            {
                var loaded = new TestFileLoader(patched).Load(file.Path, text!);
                if (!loaded.Success) return null;
                files[file.Path] = loaded.File!;
            }
            else files[file.Path] = file;
        }

        var targetKeys = targets.Select(Key).ToHashSet();
        var passedBefore = baseline.Where(r => r.Outcome == TestOutcome.Passed).Select(Key).ToHashSet();
        var order = baseline.OrderBy(r => targetKeys.Contains(Key(r)) ? 0 : passedBefore.Contains(Key(r)) ? 1 : 2).ToList();
        var runner = new TestRunner(patched, createFactory) { CaseTimeout = CaseTimeout };
        var factories = new Dictionary<(bool, string), ISandboxFactory>();
        int passed = 0, newFindings = 0;
        bool checkedRules = code.Count == 0;
        try
        {
            foreach (var r in order)
            {
                if (!checkedRules && !targetKeys.Contains(Key(r)))
                {
                    checkedRules = true;
                    var checkedWorkspace = analyzer.Patch(workspace, code, runRules: true, rebuildCatalog: false, cancellationToken: cancellationToken);
                    newFindings = code.Keys.Sum(file => NewFindings(workspace, checkedWorkspace, file));
                    if (newFindings > 0) return null;
                }
                cancellationToken.ThrowIfCancellationRequested();
                var file = files[r.File.Path];
                var c = file.Cases.FirstOrDefault(x => x.Name == r.Case.Name);
                bool required = targetKeys.Contains(Key(r)) || passedBefore.Contains(Key(r));
                if (c is null) { if (required) return null; continue; }
                if (!factories.TryGetValue((file.EnforceForeignKeys, file.Transformation), out var factory))
                    factories[(file.EnforceForeignKeys, file.Transformation)] = factory = createFactory(new SandboxSetup(patched, file.EnforceForeignKeys, file.Transformation));
                var result = await runner.RunCaseAsync(factory, file, c, cancellationToken).ConfigureAwait(false);
                if (result.Outcome == TestOutcome.Passed) passed++;
                else if (required) return null;
            }
        }
        finally
        {
            foreach (var f in factories.Values) await f.DisposeAsync().ConfigureAwait(false);
        }
        if (!checkedRules)
        {
            var checkedWorkspace = analyzer.Patch(workspace, code, runRules: true, rebuildCatalog: false, cancellationToken: cancellationToken);
            newFindings = code.Keys.Sum(file => NewFindings(workspace, checkedWorkspace, file));
            if (newFindings > 0) return null;
        }
        return new HealVerification(passed, baseline.Count, newFindings);
    }

    private static (string, string) Key(TestCaseResult r) => (r.File.Path, r.Case.Name);

    /// <summary>Findings at warning or above in <paramref name="file"/> beyond those it had, counted per rule.</summary>
    internal static int NewFindings(WorkspaceAnalysis before, WorkspaceAnalysis after, string file)
    {
        Dictionary<string, int> Count(WorkspaceAnalysis a) => a.Findings
            .Where(f => f.Location.File == file && f.Severity >= Severity.Warning)
            .GroupBy(f => f.RuleId).ToDictionary(g => g.Key, g => g.Count());
        var was = Count(before);
        return Count(after).Sum(kv => Math.Max(0, kv.Value - was.GetValueOrDefault(kv.Key)));
    }
}
