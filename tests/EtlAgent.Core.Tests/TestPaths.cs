namespace EtlAgent.Core.Tests;

/// <summary>Locates the repository's fixture folders from the test binary's folder.</summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = FindRoot();

    public static string Fixtures => Path.Combine(RepoRoot, "tests", "fixtures");

    public static string Fixture(string name) => Path.Combine(Fixtures, name);

    /// <summary>A copy of fixture <paramref name="name"/> in a new temporary folder, for tests that write into the workspace.</summary>
    public static string CopyOfFixture(string name)
    {
        var source = Fixture(name);
        var root = Directory.CreateTempSubdirectory($"etl-agent-{name}-").FullName;
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(root, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return root;
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EtlAgentIde.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("EtlAgentIde.sln not found above " + AppContext.BaseDirectory);
    }
}
