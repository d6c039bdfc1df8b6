using EtlAgent.Core.Agent;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Sandbox.Runner;

/// <summary>The outcome of running a workspace's tests: results, or the file errors that stopped the run.</summary>
public sealed record WorkspaceTestRun(TestRunResult? Run, IReadOnlyList<TestFileError> FileErrors, string Sandbox);

/// <summary>
/// The tests of a workspace as the editor uses them: which transformation has test files (each
/// file's <see cref="TestFileOutline"/>, for code lenses), and a run of the tests of one
/// transformation on a fresh analysis with syntax (the sandbox translates from the trees).
/// </summary>
public static class WorkspaceTests
{
    /// <summary>Transformation name (as <see cref="TestFileOutline.NameComparer"/> compares them) → its test files.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> IndexByTransformation(IFileSource files, WorkspaceSettings settings)
    {
        var index = new Dictionary<string, List<string>>(TestFileOutline.NameComparer);
        foreach (var path in TestFileLoader.FindTestFiles(files, settings))
        {
            string text;
            try { text = files.ReadAllText(path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            if (TestFileOutline.Read(text)?.TransformationKey is not { } name) continue;
            if (!index.TryGetValue(name, out var list)) index[name] = list = new List<string>();
            list.Add(path);
        }
        return index.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value, TestFileOutline.NameComparer);
    }

    /// <summary>
    /// Runs the test files of <paramref name="transformation"/> (all when null). Throws
    /// <see cref="ConfigurationException"/> when no sandbox can be used.
    /// </summary>
    public static async Task<WorkspaceTestRun> RunAsync(IFileSource files, WorkspaceSettings settings, string? transformation,
        Func<string, string?> environment, CancellationToken cancellationToken = default)
    {
        var analysis = new WorkspaceAnalyzer(settings) { RetainSyntax = true }.Analyze(files, cancellationToken: cancellationToken);
        var paths = transformation is null
            ? TestFileLoader.FindTestFiles(files, settings)
            : IndexByTransformation(files, settings).GetValueOrDefault(transformation) ?? Array.Empty<string>();
        var loaded = new TestFileLoader(analysis).LoadAll(files, paths);
        var errors = loaded.SelectMany(l => l.Errors).ToList();
        var provider = new SandboxFactoryProvider(settings.Sandbox, files, environment);
        var sandbox = provider.Describe();
        if (errors.Count > 0 || paths.Count == 0) return new WorkspaceTestRun(null, errors, sandbox);
        var runner = new TestRunner(analysis, provider.Create);
        var run = await runner.RunAsync(loaded.Select(l => l.File!).ToList(), cancellationToken: cancellationToken).ConfigureAwait(false);
        return new WorkspaceTestRun(run, errors, sandbox);
    }
}
