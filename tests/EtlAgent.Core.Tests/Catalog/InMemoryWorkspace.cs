using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Tests.Catalog;

/// <summary>A workspace of the given files, held in memory, analysed as the engine does.</summary>
internal static class InMemoryWorkspace
{
    public static WorkspaceAnalysis Analyze(params (string Path, string Text)[] files)
    {
        var source = new MemoryFileSource();
        foreach (var (path, text) in files) source.Add(path, text);
        return new WorkspaceAnalyzer(WorkspaceSettings.Load(source)).Analyze(source);
    }
}
