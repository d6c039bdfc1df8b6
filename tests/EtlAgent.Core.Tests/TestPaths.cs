namespace EtlAgent.Core.Tests;

/// <summary>Locates the repository's fixture folders from the test binary's folder.</summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = FindRoot();

    public static string Fixtures => Path.Combine(RepoRoot, "tests", "fixtures");

    public static string Fixture(string name) => Path.Combine(Fixtures, name);

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EtlAgentIde.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("EtlAgentIde.sln not found above " + AppContext.BaseDirectory);
    }
}
