using System.Text.Json;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Healing;

/// <summary>tests/fixtures/healing in memory, with one of its seeded faults (seeds.json) applied.</summary>
public static class HealingFixture
{
    public sealed record Seed(string Name, string Class, string Find, string Replace);

    public static string Procedure => Seeds().File;

    public static (string File, IReadOnlyList<Seed> Seeds) Seeds()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.Fixture("healing"), "seeds.json")));
        var seeds = doc.RootElement.GetProperty("seeds").EnumerateArray()
            .Select(s => new Seed(s.GetProperty("name").GetString()!, s.GetProperty("class").GetString()!, s.GetProperty("find").GetString()!, s.GetProperty("replace").GetString()!))
            .ToList();
        return (doc.RootElement.GetProperty("file").GetString()!, seeds);
    }

    public static IEnumerable<object[]> SeedNames() => Seeds().Seeds.Select(s => new object[] { s.Name });

    /// <summary>The fixture's files; with <paramref name="seed"/>, its fault applied to the procedure.</summary>
    public static MemoryFileSource Files(string? seed = null)
    {
        // cases/ holds workspaces of their own (HealCasesTests)
        var files = new MemoryFileSource().AddAll(new PhysicalFileSource(TestPaths.Fixture("healing")), f => !f.EndsWith(".json", StringComparison.Ordinal) && !f.StartsWith("cases/", StringComparison.Ordinal));
        if (seed is null) return files;
        var s = Seeds().Seeds.Single(x => x.Name == seed);
        var text = files.ReadAllText(Procedure);
        Assert.Contains(s.Find, text);
        return files.Add(Procedure, text.Replace(s.Find, s.Replace, StringComparison.Ordinal));
    }

    public static Engine Engine(MemoryFileSource files, PolicySettings? policy = null, IAuditLog? audit = null)
    {
        var settings = WorkspaceSettings.Load(files);
        if (policy is not null) settings = settings with { Policy = policy };
        var host = EngineHost.System with { Actor = "test", Audit = audit ?? new InMemoryAuditLog() };
        return Core.Agent.Engine.Create(files, settings, host);
    }
}
