using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests;

/// <summary>The fixture warehouse analysed once per test run (it is immutable).</summary>
public static class WarehouseFixture
{
    private static readonly Lazy<WorkspaceAnalysis> _analysis = new(() => Analyze("warehouse"));

    public static WorkspaceAnalysis Analysis => _analysis.Value;

    public static WorkspaceAnalysis Analyze(string fixture)
    {
        var files = new PhysicalFileSource(TestPaths.Fixture(fixture));
        return new WorkspaceAnalyzer(WorkspaceSettings.Load(files)).Analyze(files);
    }
}
