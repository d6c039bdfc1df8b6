using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Mutation;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.MutationAnalysis;

/// <summary>A mutation run of one transformation as the editor asks for it: the report, or why none could be made.</summary>
public sealed record WorkspaceMutationRun(string Transformation, MutationReport? Report, IReadOnlyList<string> Problems, string Sandbox)
{
    public IEnumerable<MutantResult> Survivors => Report?.Results.Where(r => r.Status == MutantStatus.Survived) ?? Enumerable.Empty<MutantResult>();
}

/// <summary>
/// Mutation analysis of one transformation over the workspace as the editor sees it (open buffers
/// over disk): a fresh analysis with syntax, its test files loaded, <see cref="MutationRunner"/>.
/// Throws <see cref="ConfigurationException"/> when no sandbox can be used.
/// </summary>
public static class WorkspaceMutation
{
    public static async Task<WorkspaceMutationRun> RunAsync(IFileSource files, WorkspaceSettings settings, string transformation,
        Func<string, string?> environment, Action<int, int, Mutant>? progress = null, CancellationToken cancellationToken = default)
    {
        var analyzer = new WorkspaceAnalyzer(settings) { RetainSyntax = true };
        var analysis = analyzer.Analyze(files, cancellationToken: cancellationToken);
        var provider = new SandboxFactoryProvider(settings.Sandbox, files, environment);
        var sandbox = provider.Describe();
        if (analysis.FindTransformation(transformation) is not { HasSyntax: true } t)
            return new(transformation, null, new[] { $"no transformation named {transformation}" }, sandbox);
        var paths = WorkspaceTests.IndexByTransformation(files, settings).GetValueOrDefault(t.Transformation.Name) ?? Array.Empty<string>();
        if (paths.Count == 0)
            return new(t.Transformation.Name, null, new[] { $"{t.Transformation.Name} has no test file: mutation analysis measures its tests" }, sandbox);
        var loaded = new TestFileLoader(analysis).LoadAll(files, paths);
        var errors = loaded.SelectMany(l => l.Errors).Select(e => e.ToString()).ToList();
        if (errors.Count > 0) return new(t.Transformation.Name, null, errors, sandbox);
        var runner = new MutationRunner(analysis, analyzer, provider.Create) { Progress = progress };
        var report = await runner.RunAsync(t.Transformation.Name, loaded.Select(l => l.File!).ToList(), cancellationToken).ConfigureAwait(false);
        return new(t.Transformation.Name, report, Array.Empty<string>(), sandbox);
    }
}
