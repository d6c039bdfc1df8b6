using EtlAgent.Core.Tests;

namespace EtlAgent.LanguageServer.Tests;

/// <summary>Scratch copies of fixture workspaces, for tests that start a server on them.</summary>
public static class TestWorkspace
{
    /// <summary>Copies tests/fixtures/<paramref name="fixture"/> to a new temporary folder (the caller deletes it).</summary>
    public static string Copy(string fixture)
    {
        var source = TestPaths.Fixture(fixture);
        var root = Path.Combine(Path.GetTempPath(), $"etlagent-{fixture}-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (relative.StartsWith(".etl-agent", StringComparison.Ordinal)) continue; // reports of earlier runs
            var target = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return root;
    }
}
