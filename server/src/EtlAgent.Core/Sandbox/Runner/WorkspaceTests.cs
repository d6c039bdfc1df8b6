using System.Text.RegularExpressions;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Sandbox.Runner;

/// <summary>The outcome of running a workspace's tests: results, or the file errors that stopped the run.</summary>
public sealed record WorkspaceTestRun(TestRunResult? Run, IReadOnlyList<TestFileError> FileErrors, string Sandbox);

/// <summary>
/// Which transformation has test files (each file's <see cref="TestFileOutline"/>), for code
/// lenses and for choosing the files of one transformation's run.
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

    /// <summary>How many cases the given test files hold together; an unreadable or non-YAML file counts none.</summary>
    public static int CaseCount(IFileSource files, IEnumerable<string> testFiles)
    {
        int count = 0;
        foreach (var path in testFiles)
        {
            try { count += TestFileOutline.Read(files.ReadAllText(path))?.CaseNames.Count ?? 0; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return count;
    }
}
