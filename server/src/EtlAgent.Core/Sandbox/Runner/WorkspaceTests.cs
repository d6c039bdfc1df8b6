using System.Text.RegularExpressions;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Sandbox.Runner;

/// <summary>The outcome of running a workspace's tests: results, or the file errors that stopped the run.</summary>
public sealed record WorkspaceTestRun(TestRunResult? Run, IReadOnlyList<TestFileError> FileErrors, string Sandbox);

/// <summary>
/// Which transformation has test files (read cheaply from each file's `transformation:` key, for
/// code lenses and for choosing the files of one transformation's run).
/// </summary>
public static partial class WorkspaceTests
{
    /// <summary>Transformation name (case-insensitive) → its test files.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> IndexByTransformation(IFileSource files, WorkspaceSettings settings)
    {
        var index = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in TestFileLoader.FindTestFiles(files, settings))
        {
            string text;
            try { text = files.ReadAllText(path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            var m = TransformationKey().Match(text);
            if (!m.Success) continue;
            var name = m.Groups["name"].Value.Trim().Trim('"', '\'');
            if (!index.TryGetValue(name, out var list)) index[name] = list = new List<string>();
            list.Add(path);
        }
        return index.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value, StringComparer.OrdinalIgnoreCase);
    }

    [GeneratedRegex(@"^transformation:[ \t]*(?<name>[^#\r\n]+)", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex TransformationKey();
}
