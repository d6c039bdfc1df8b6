using EtlAgent.LanguageServer.Conversions;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.LanguageServer.Protocol;

namespace EtlAgent.LanguageServer.Server;

/// <summary>
/// Sandbox test results in the editor: each case a line in the log (output channel), each failure
/// and each test-file error a diagnostic in its test file. Shared by "Run sandbox test" and the full
/// run, so a green run of either clears what the other published.
/// </summary>
public sealed class TestDiagnostics(ServerContext server)
{
    public const string Layer = "tests";

    /// <summary>Test files that had diagnostics last time, so a green run clears them.</summary>
    private readonly HashSet<string> _filesWithDiagnostics = new(StringComparer.Ordinal);

    /// <summary>Logs the cases of <paramref name="run"/> and publishes the diagnostics of the run and the file errors (and <paramref name="rootCauses"/>, on the code).</summary>
    public void Publish(IReadOnlyList<TestFileError> fileErrors, TestRunResult? run, IEnumerable<Core.Model.Finding>? rootCauses = null)
    {
        var diagnostics = new Dictionary<string, List<Diagnostic>>(StringComparer.Ordinal);
        foreach (var e in fileErrors.Where(e => e.Drift is null)) // schema drift has its own diagnostics, with the update fix
        {
            server.Log.Info($"ERROR {e.File}:{e.Line}:{e.Column}: {e.Message}");
            Add(diagnostics, UnloadableTestFile.For(e, server.Drift.Text(e.File)));
        }
        foreach (var c in run?.Cases ?? Array.Empty<TestCaseResult>())
        {
            server.Log.Info($"{(c.Outcome == TestOutcome.Passed ? "PASS" : c.Outcome.ToString().ToUpperInvariant())}  {c.FullName}  ({c.Elapsed.TotalMilliseconds:F0} ms)");
            foreach (var f in c.Failures) server.Log.Info($"      {f.Summary}");
            foreach (var finding in FailingTestCase.For(c, server.Drift.Text(c.File.Path))) Add(diagnostics, finding);
        }
        foreach (var finding in rootCauses ?? Enumerable.Empty<Core.Model.Finding>()) Add(diagnostics, finding);

        List<string> files;
        lock (_filesWithDiagnostics)
        {
            files = _filesWithDiagnostics.Concat(diagnostics.Keys).Distinct(StringComparer.Ordinal).ToList();
            _filesWithDiagnostics.Clear();
            foreach (var f in diagnostics.Keys) _filesWithDiagnostics.Add(f);
        }
        // Through the diagnostic layers, so the schema drift of the same test files is not erased.
        foreach (var file in files)
        {
            server.Layers.Set(Layer, file, diagnostics.GetValueOrDefault(file) ?? new List<Diagnostic>());
            server.PublishLayers(file);
        }
        server.Tests.Heals.Refresh(run, fileErrors);
    }

    private void Add(Dictionary<string, List<Diagnostic>> into, Core.Model.Finding finding)
    {
        if (!into.TryGetValue(finding.Location.File, out var list)) into[finding.Location.File] = list = new List<Diagnostic>();
        list.Add(LspConvert.Diagnostic(finding, server.Paths, null));
    }
}
