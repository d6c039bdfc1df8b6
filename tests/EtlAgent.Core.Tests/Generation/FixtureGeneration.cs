using EtlAgent.Core.Agent;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Tests.Generation;

/// <summary>
/// Generation on a fixture workspace read into memory, as `etl-agent generate --transformation X
/// --no-mutants` does it: the generated file lands in the memory copy, never in tests/fixtures.
/// </summary>
internal static class FixtureGeneration
{
    public static MemoryFileSource Load(string fixture) =>
        new MemoryFileSource().AddAll(new PhysicalFileSource(TestPaths.Fixture(fixture)));

    /// <summary>Without mutants and without the time cap: the result does not depend on the machine's load.</summary>
    public static Task<GeneratedTestFile> GenerateAsync(MemoryFileSource files, string transformation) =>
        GenerateAsync(files, transformation, new GenerationOptions { UseMutants = false, Cap = TimeSpan.Zero });

    /// <param name="embedded">The embedded sandbox to run in (null: the engine's own).</param>
    public static async Task<GeneratedTestFile> GenerateAsync(MemoryFileSource files, string transformation, GenerationOptions options,
        SandboxFactoryProvider.EmbeddedSandbox? embedded = null)
    {
        var settings = WorkspaceSettings.Load(files);
        var engine = Engine.Create(files, settings, new EngineHost(new SystemClock(), EnvironmentVariables.None), embedded: embedded);
        var analyzer = new WorkspaceAnalyzer(settings) { RetainSyntax = true };
        var analysis = analyzer.Analyze(files);
        var generator = engine.Generator(analysis, analyzer, options);
        return await GeneratedTestFiles.GenerateAsync(generator, transformation, files, files, GeneratedTestFiles.DefaultDirectory, force: false);
    }
}
