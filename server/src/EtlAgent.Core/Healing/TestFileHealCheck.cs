using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Healing;

/// <summary>What running a rewritten test file gave: its run (null when it does not load) and the evidence when the cases that must pass do.</summary>
public sealed record TestFileCheck(TestFile? File, TestRunResult? Run, HealVerification? Evidence, IReadOnlyList<TestFileError> Errors);

/// <summary>
/// Verifies a test-side heal that rewrites one test file: the new text loads (no new finding: a test
/// file's findings are its load problems), then every case runs in the sandbox, and the cases that
/// must pass do — every case of the file unless a narrower set is given (a case that failed before
/// and is not targeted may stay red). Other test files are not touched by such a heal, so they
/// keep their results.
/// </summary>
public sealed class TestFileHealCheck(WorkspaceAnalysis workspace, Func<SandboxSetup, ISandboxFactory> createFactory)
{
    public TimeSpan CaseTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <param name="mustPass">The cases that must pass, by name; null: all of them.</param>
    public async Task<TestFileCheck> RunAsync(string path, string text, Func<string, bool>? mustPass = null, CancellationToken cancellationToken = default)
    {
        var loaded = new TestFileLoader(workspace).Load(path, text);
        if (!loaded.Success) return new TestFileCheck(loaded.File, null, null, loaded.Errors);
        var file = loaded.File!;
        if (file.Cases.Count == 0) return new TestFileCheck(file, null, null, Array.Empty<TestFileError>());
        var run = await new TestRunner(workspace, createFactory) { CaseTimeout = CaseTimeout }.RunAsync(new[] { file }, cancellationToken: cancellationToken).ConfigureAwait(false);
        bool ok = run.Cases.All(c => c.Outcome == TestOutcome.Passed || (mustPass is not null && !mustPass(c.Case.Name)));
        return new TestFileCheck(file, run, ok ? new HealVerification(run.Passed, run.Cases.Count, 0) : null, Array.Empty<TestFileError>());
    }
}
