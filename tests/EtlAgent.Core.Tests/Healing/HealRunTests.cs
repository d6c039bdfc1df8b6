using EtlAgent.Core.Agent;
using EtlAgent.Core.Healing;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Healing;

/// <summary>
/// The heal search on tests/fixtures/healing: each seeded fault gets a verified code heal of its
/// class that restores the procedure as written; heals carry their evidence and stable ids; the
/// policy gate refuses or applies, and the audit log records both.
/// </summary>
public class HealRunTests
{
    [Theory]
    [MemberData(nameof(HealingFixture.SeedNames), MemberType = typeof(HealingFixture))]
    public async Task A_seeded_fault_gets_a_verified_heal_of_its_class_that_restores_the_code(string seed)
    {
        var files = HealingFixture.Files(seed);
        var result = await new HealRun(HealingFixture.Engine(files)).SuggestAsync();
        Assert.True(result.Run!.Failed > 0);
        var expectedClass = HealingFixture.Seeds().Seeds.Single(s => s.Name == seed).Class;
        var heal = result.Suggestions.FirstOrDefault(s => s.Kind == HealKinds.Code && s.BugClass == expectedClass);
        Assert.True(heal is not null, string.Join("\n", result.Suggestions.Select(s => $"{s.BugClass}: {s.Title}")));
        Assert.Equal(new HealVerification(3, 3, 0), heal!.Verified);
        Assert.Equal(HealingFixture.Procedure, heal.File);
        var original = HealingFixture.Files().ReadAllText(HealingFixture.Procedure);
        var healed = SpanEdits.Apply(files.ReadAllText(HealingFixture.Procedure), heal.Edits, heal.File);
        Assert.Equal(Normalize(original), Normalize(healed!));
        // the code heal ranks before the test heal that would re-record the wrong behaviour
        Assert.Equal(HealKinds.Code, result.Suggestions[0].Kind);
    }

    [Fact]
    public async Task Ids_are_the_same_in_every_run_for_the_same_text()
    {
        var files = HealingFixture.Files("window start excluded");
        var first = await new HealRun(HealingFixture.Engine(files)).SuggestAsync();
        var second = await new HealRun(HealingFixture.Engine(files)).SuggestAsync();
        Assert.NotEmpty(first.Suggestions);
        Assert.Equal(first.Suggestions.Select(s => s.Id), second.Suggestions.Select(s => s.Id));
        Assert.Equal(first.Suggestions.Count, first.Suggestions.Select(s => s.Id).Distinct().Count());
    }

    [Fact]
    public async Task The_policy_refuses_a_code_heal_by_default_and_the_refusal_is_audited()
    {
        var files = HealingFixture.Files("unknown products dropped");
        var audit = new InMemoryAuditLog();
        var engine = HealingFixture.Engine(files, audit: audit);
        var run = new HealRun(engine);
        var heal = (await run.SuggestAsync()).Suggestions.First(s => s.Kind == HealKinds.Code);
        var before = files.ReadAllText(HealingFixture.Procedure);

        var refused = run.Apply(heal, files, automatic: false);
        Assert.False(refused.Applied);
        Assert.Contains("autoApply", refused.Message);
        Assert.Equal(before, files.ReadAllText(HealingFixture.Procedure));
        var entry = Assert.Single(audit.Entries);
        Assert.Equal((AuditActions.PolicyRefusal, "test", heal.Id), (entry.Action, entry.Actor, entry.Details!["id"]));
    }

    [Fact]
    public async Task A_heal_the_policy_allows_is_written_audited_and_turns_the_tests_green()
    {
        var files = HealingFixture.Files("unknown products dropped");
        var audit = new InMemoryAuditLog();
        var policy = PolicySettings.Default with { ApplyHeals = HealAutoApply.Classes, ApplyHealClasses = new[] { HealClasses.JoinType } };
        var run = new HealRun(HealingFixture.Engine(files, policy, audit));
        var heal = (await run.SuggestAsync()).Suggestions.First(s => s.BugClass == HealClasses.JoinType);

        var applied = run.Apply(heal, files, automatic: true);
        Assert.True(applied.Applied, applied.Message);
        var entry = Assert.Single(audit.Entries);
        Assert.Equal(AuditActions.HealApplied, entry.Action);
        Assert.Equal(HealingFixture.Procedure, entry.Target);
        Assert.Equal("3", entry.Details!["casesPassed"]);
        var after = await new HealRun(HealingFixture.Engine(files)).SuggestAsync();
        Assert.Equal(0, after.Run!.Failed);
        Assert.Empty(after.Suggestions);
    }

    [Fact]
    public async Task An_intended_change_is_healed_by_re_recording_the_expected_rows_with_their_diff()
    {
        var files = HealingFixture.Files();
        const string test = "tests/Fact.LoadSale.etltest.yaml";
        // the code now loads quantities as they are and the expectation is behind: 3 expected, the code writes 3 → make the test expect 4
        files.Add(test, files.ReadAllText(test).Replace("{\"Sale ID\": 10, \"Product Key\": 2, \"Quantity\": 3}", "{\"Sale ID\": 10, \"Product Key\": 2, \"Quantity\": 4}", StringComparison.Ordinal));
        var policy = PolicySettings.Default with { ApplyHeals = HealAutoApply.Tests };
        var audit = new InMemoryAuditLog();
        var run = new HealRun(HealingFixture.Engine(files, policy, audit));
        var result = await run.SuggestAsync();
        var heal = Assert.Single(result.Suggestions, s => s.Kind == HealKinds.Test);
        Assert.Equal(HealClasses.IntendedChange, heal.BugClass);
        Assert.Equal(new[]
        {
            "- Fact.Sale: {\"Sale ID\": 10, \"Product Key\": 2, \"Quantity\": 4}",
            "+ Fact.Sale: {\"Sale ID\": 10, \"Product Key\": 2, \"Quantity\": 3}",
        }, heal.Candidate.Diff);
        Assert.Equal(3, heal.Verified.CasesPassed);

        // applied on request under "tests"; on its own it would also need policy.rerecordExpectations
        Assert.False(HealApplier.Allows(policy, heal, automatic: true));
        Assert.True(run.Apply(heal, files, automatic: false).Applied);
        Assert.Equal(AuditActions.ExpectationsRerecorded, Assert.Single(audit.Entries).Action);
        var text = files.ReadAllText(test);
        Assert.Contains("# Fact.LoadSale: written by hand", text);   // the rest of the file as written
        Assert.Equal(0, (await new HealRun(HealingFixture.Engine(files)).SuggestAsync()).Run!.Failed);
    }

    [Fact]
    public async Task A_repair_that_breaks_a_passing_case_is_not_verified()
    {
        var files = HealingFixture.Files();
        var engine = HealingFixture.Engine(files);
        var analysis = engine.CurrentAnalysis();
        var loaded = new TestFileLoader(analysis).Load("tests/Fact.LoadSale.etltest.yaml", files.ReadAllText("tests/Fact.LoadSale.etltest.yaml"));
        var baseline = await engine.TestRunner(analysis).RunAsync(new[] { loaded.File! });
        Assert.True(baseline.Success);
        var text = analysis.Documents.Single(d => d.Document.Path == HealingFixture.Procedure).Document.Text;
        int at = text.IndexOf("LEFT JOIN", StringComparison.Ordinal);
        var breaking = new RepairCandidate(HealKinds.Code, HealClasses.JoinType, "LEFT → INNER", new[] { SpanEdits.Replace(HealingFixture.Procedure, text, at, at + 4, "INNER") }, "test");
        var verifier = new HealVerifier(analysis, engine.Analyzer(), engine.Sandboxes.Create, p => analysis.Documents.FirstOrDefault(d => d.Document.Path == p)?.Document.Text);
        Assert.Null(await verifier.VerifyAsync(breaking, baseline.Cases, Array.Empty<EtlAgent.Core.Sandbox.Runner.TestCaseResult>()));
        // and one that does not parse is not either
        var broken = breaking with { Edits = new[] { SpanEdits.Replace(HealingFixture.Procedure, text, at, at + 4, "LEFTY") } };
        Assert.Null(await verifier.VerifyAsync(broken, baseline.Cases, Array.Empty<EtlAgent.Core.Sandbox.Runner.TestCaseResult>()));
    }

    [Fact]
    public async Task Behaviour_restored_is_measured_on_generated_inputs_apart_from_the_tests()
    {
        var files = HealingFixture.Files();
        var engine = HealingFixture.Engine(files);
        var original = engine.CurrentAnalysis();
        var analyzer = engine.Analyzer();
        var seeded = analyzer.Patch(original, new Dictionary<string, string?> { [HealingFixture.Procedure] = HealingFixture.Files("unknown products dropped").ReadAllText(HealingFixture.Procedure) },
            runRules: false, rebuildCatalog: false);
        var clock = new DateTime(2016, 6, 2, 8, 0, 0);
        var same = await BehaviourComparison.CompareAsync(original, original, "Fact.LoadSale", engine.Sandboxes.Create, 20, clock, TimeSpan.FromSeconds(10));
        Assert.True(same.Restored, $"{same.Agreed}/{same.Compared}");
        var differs = await BehaviourComparison.CompareAsync(original, seeded, "Fact.LoadSale", engine.Sandboxes.Create, 20, clock, TimeSpan.FromSeconds(10));
        Assert.True(differs.Compared > 0 && !differs.Restored, $"{differs.Agreed}/{differs.Compared}");
    }

    private static string Normalize(string s) => System.Text.RegularExpressions.Regex.Replace(s, @"\s+", " ");
}
