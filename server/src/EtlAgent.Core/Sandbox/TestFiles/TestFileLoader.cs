using EtlAgent.Core.WorkspaceModel;
using System.Text.RegularExpressions;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Sandbox.TestFiles;

/// <summary>
/// Reads `*.etltest.yaml` files and binds them to the workspace: table, column and parameter
/// names are checked against the catalog (unknown names are errors naming file, line and name,
/// with a "did you mean" when one is close) and every value is converted by its column's type.
/// Never throws on bad input: every problem found is returned, placed at its line and column.
/// </summary>
public sealed class TestFileLoader(WorkspaceAnalysis workspace)
{
    public WorkspaceAnalysis Workspace { get; } = workspace;

    /// <summary>The test files of a workspace (not ignored), in a stable order.</summary>
    public static IReadOnlyList<string> FindTestFiles(IFileSource files, WorkspaceSettings settings) =>
        files.EnumerateFiles()
            .Where(TestFile.IsTestFile)
            .Where(f => !settings.Ignore.IsIgnored(f))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToList();

    public IReadOnlyList<TestFileLoadResult> LoadAll(IFileSource files, IEnumerable<string> paths)
    {
        var results = new List<TestFileLoadResult>();
        foreach (var path in paths)
        {
            string text;
            try { text = files.ReadAllText(path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                results.Add(new TestFileLoadResult(null, new[] { new TestFileError(path, 1, 1, $"cannot read the file: {e.Message}") }));
                continue;
            }
            results.Add(Load(path, text));
        }
        return results;
    }

    public TestFileLoadResult Load(string path, string text) => new TestFileBinder(Workspace, path).Bind(text);
}
