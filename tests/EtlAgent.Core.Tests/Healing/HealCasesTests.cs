using System.Text.Json;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Healing;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Healing;

/// <summary>
/// tests/fixtures/healing-cases/cases.json: small workspaces of their own (beside it, apart from the healing workspace), each with one fault
/// seeded that the class templates and inverse mutations alone did not heal — a dropped NULL
/// fallback (its value read from the expected rows), a deleted predicate with the last green
/// version known (reverted). Each must get a verified code heal of its class that restores the
/// procedure as written.
/// </summary>
public class HealCasesTests
{
    public sealed record Case(string Name, string Folder, string File, string Class, string Find, string Replace, bool Base);

    private static IReadOnlyList<Case> Cases()
    {
        var json = File.ReadAllText(Path.Combine(TestPaths.Fixture("healing-cases"), "cases.json"));
        return JsonSerializer.Deserialize<Dictionary<string, List<Case>>>(json, new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!["cases"];
    }

    public static IEnumerable<object[]> CaseNames() => Cases().Select(c => new object[] { c.Name });

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task A_seeded_fault_gets_a_verified_code_heal_of_its_class_that_restores_the_code(string name)
    {
        var c = Cases().Single(x => x.Name == name);
        var files = new MemoryFileSource().AddAll(new PhysicalFileSource(Path.Combine(TestPaths.Fixture("healing-cases"), c.Folder)));
        var original = files.ReadAllText(c.File);
        Assert.Contains(c.Find, original);
        files.Add(c.File, original.Replace(c.Find, c.Replace, StringComparison.Ordinal));
        var engine = Engine.Create(files, WorkspaceSettings.Load(files), EngineHost.System with { Actor = "test", Audit = new InMemoryAuditLog() });
        var run = new HealRun(engine) { UseConfiguredLlm = false, Bases = c.Base ? EtlAgent.Core.Analysis.BaseVersions.Git("original", path => path == c.File ? original : null) : null };

        var result = await run.SuggestAsync();

        Assert.True(result.Run!.Failed > 0);
        var heal = result.Suggestions.FirstOrDefault(s => s.Kind == HealKinds.Code && s.BugClass == c.Class);
        Assert.True(heal is not null, string.Join("\n", result.Suggestions.Select(s => $"{s.BugClass}: {s.Title}")));
        Assert.Equal(heal!.Verified.CasesTotal, heal.Verified.CasesPassed);
        var healed = SpanEdits.Apply(files.ReadAllText(c.File), heal.Edits, c.File)!;
        Assert.Equal(Normalize(original), Normalize(healed));
    }

    [Fact]
    public void A_revert_carries_the_class_the_failure_was_analysed_as_and_touches_only_the_suspect_statements()
    {
        const string Base = "CREATE PROCEDURE dbo.P AS\nBEGIN\n    UPDATE dbo.T SET A = 1 WHERE B = 2;\n    DELETE FROM dbo.T WHERE C = 3;\nEND;\n";
        var current = Base.Replace("WHERE B = 2", "WHERE B = 5", StringComparison.Ordinal).Replace("C = 3", "C = 4", StringComparison.Ordinal);
        var files = new MemoryFileSource().Add("schema.sql", "CREATE TABLE dbo.T (A int NULL, B int NULL, C int NULL);\nGO\n").Add("p.sql", current);
        var analysis = new EtlAgent.Core.WorkspaceModel.WorkspaceAnalyzer(WorkspaceSettings.Default) { RetainSyntax = true }.Analyze(files);
        var t = analysis.FindTransformation("dbo.P")!;
        var update = ProcedureStatements.Of(t).First();
        var candidates = RevertToBase.For(t, Base, new[] { new SuspectStatement("p.sql", update.Start, update.End) }, "boundary-off-by-one");
        var revert = Assert.Single(candidates);
        Assert.Equal("boundary-off-by-one", revert.BugClass);
        var reverted = SpanEdits.Apply(current, revert.Edits, "p.sql")!;
        Assert.Contains("WHERE B = 2", reverted);
        Assert.Contains("C = 4", reverted); // the other statement's change is not this failure's
        Assert.Empty(RevertToBase.For(t, current, new[] { new SuspectStatement("p.sql", update.Start, update.End) }, "x"));
    }

    private static string Normalize(string s) => System.Text.RegularExpressions.Regex.Replace(s, @"\s+", " ");
}
