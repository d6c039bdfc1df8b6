using System.Text.Json;

namespace EtlAgent.Cli.Tests;

/// <summary>`etl-agent heal` in-process on a scratch copy of tests/fixtures/healing with a seeded fault.</summary>
public class HealCommandTests
{
    private const string Procedure = "Fact.LoadSale.sql";

    private static string Scratch(string? policy = null, bool fault = true)
    {
        var source = TestPaths.Fixture("healing");
        var root = Path.Combine(Path.GetTempPath(), "etlagent-heal-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(root, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        // the seeded fault: a sale at the start of the window is not loaded
        var proc = Path.Combine(root, Procedure);
        if (fault) File.WriteAllText(proc, File.ReadAllText(proc).Replace("s.[Sold At] >= @From", "s.[Sold At] > @From", StringComparison.Ordinal));
        if (policy is not null) File.WriteAllText(Path.Combine(root, "etl-agent.json"), policy);
        return root;
    }

    [Fact]
    public void Heal_lists_verified_heals_as_json_with_stable_ids_and_evidence()
    {
        var ws = Scratch();
        try
        {
            var (code, output, err) = Cli.Run("heal", ws, "--format", "json");
            Assert.True(code == 1, output + err); // a case fails
            using var doc = JsonDocument.Parse(output);
            var suggestions = doc.RootElement.GetProperty("suggestions");
            var first = suggestions[0];
            Assert.Equal(new[] { "id", "failure", "kind", "class", "title", "file", "source", "edits", "verified" }, first.EnumerateObject().Select(p => p.Name));
            Assert.Equal("code", first.GetProperty("kind").GetString());
            Assert.Equal("boundary", first.GetProperty("class").GetString());
            Assert.Equal("tests/Fact.LoadSale.etltest.yaml", first.GetProperty("failure").GetProperty("test").GetString());
            Assert.Equal("a sale at the start of the window is loaded", first.GetProperty("failure").GetProperty("case").GetString());
            var edit = first.GetProperty("edits")[0];
            Assert.Equal(Procedure, edit.GetProperty("file").GetString());
            Assert.Equal(15, edit.GetProperty("range").GetProperty("startLine").GetInt32());
            Assert.Equal(">=", edit.GetProperty("newText").GetString());
            Assert.Equal(3, first.GetProperty("verified").GetProperty("casesPassed").GetInt32());
            Assert.Equal(3, first.GetProperty("verified").GetProperty("casesTotal").GetInt32());
            Assert.Equal(0, first.GetProperty("verified").GetProperty("newFindings").GetInt32());
            // the base the heals started from is named, as `analyze` names it (here none: no green run remembered, no --base)
            var used = doc.RootElement.GetProperty("bases").GetProperty("Fact.LoadSale");
            Assert.Equal("none", used.GetProperty("kind").GetString());
            Assert.StartsWith("none (", used.GetProperty("description").GetString());

            var again = Cli.Run("heal", ws, "--format", "json");
            using var doc2 = JsonDocument.Parse(again.Out);
            Assert.Equal(suggestions.EnumerateArray().Select(s => s.GetProperty("id").GetString()),
                doc2.RootElement.GetProperty("suggestions").EnumerateArray().Select(s => s.GetProperty("id").GetString()));
        }
        finally { Directory.Delete(ws, true); }
    }

    [Fact]
    public void Heal_json_shows_the_test_side_heals_with_the_diff_of_what_they_change()
    {
        var ws = Scratch(fault: false);
        try
        {
            // a new CHECK rejects the staged sales of quantity 1: the test data, not the code, is to change
            var schema = Path.Combine(ws, "schema.sql");
            File.WriteAllText(schema, File.ReadAllText(schema).Replace("    [Quantity]     int           NOT NULL,\n    [Sold At]",
                "    [Quantity]     int           NOT NULL CONSTRAINT CK_Staging_Sale_Quantity CHECK ([Quantity] >= 2),\n    [Sold At]", StringComparison.Ordinal));
            var (code, output, err) = Cli.Run("heal", ws, "--format", "json");
            Assert.True(code == 1, output + err);
            using var doc = JsonDocument.Parse(output);
            var suggestions = doc.RootElement.GetProperty("suggestions").EnumerateArray().ToList();
            Assert.DoesNotContain(suggestions, s => s.GetProperty("kind").GetString() == "code");
            var adjust = Assert.Single(suggestions, s => s.GetProperty("class").GetString() == "adjust-given-rows");
            Assert.Equal("test", adjust.GetProperty("kind").GetString());
            Assert.Equal("a sale at the start of the window is loaded", adjust.GetProperty("failure").GetProperty("case").GetString());
            Assert.Equal("tests/Fact.LoadSale.etltest.yaml", adjust.GetProperty("file").GetString());
            Assert.Equal(0, adjust.GetProperty("verified").GetProperty("newFindings").GetInt32());
            var diff = adjust.GetProperty("diff").EnumerateArray().Select(d => d.GetString()!).ToList();
            // the rejected values raised to what the CHECK accepts, and the expected row that depends on one re-recorded
            Assert.Contains(diff, d => d.StartsWith("~ Staging.Sale row 1: [Quantity] 1 → 2", StringComparison.Ordinal));
            Assert.Contains("- expected Fact.Sale: {\"Sale ID\": 11, \"Product Key\": null, \"Quantity\": 1}", diff);
            Assert.Contains("+ expected Fact.Sale: {\"Sale ID\": 11, \"Product Key\": null, \"Quantity\": 2}", diff);

            var text = Cli.Run("heal", ws);
            Assert.Contains("test/adjust-given-rows", text.Out);
            Assert.Contains("base for Fact.LoadSale: none (", text.Out);
            Assert.Contains("~ Staging.Sale row 1: [Quantity] 1 → 2", text.Out);
        }
        finally { Directory.Delete(ws, true); }
    }

    [Fact]
    public void Heal_json_shows_the_diff_of_re_recorded_expectations()
    {
        var ws = Scratch();
        try
        {
            var (_, output, _) = Cli.Run("heal", ws, "--format", "json");
            using var doc = JsonDocument.Parse(output);
            var rerecord = doc.RootElement.GetProperty("suggestions").EnumerateArray().First(s => s.GetProperty("class").GetString() == "intended-change");
            Assert.Equal(new[] { "- Fact.Sale: {\"Sale ID\": 11, \"Product Key\": null, \"Quantity\": 1}" },
                rerecord.GetProperty("diff").EnumerateArray().Select(d => d.GetString()));
        }
        finally { Directory.Delete(ws, true); }
    }

    [Fact]
    public void Apply_is_refused_by_the_default_policy_and_done_where_it_allows_the_class()
    {
        var ws = Scratch();
        try
        {
            var (_, output, _) = Cli.Run("heal", ws, "--format", "json");
            var id = JsonDocument.Parse(output).RootElement.GetProperty("suggestions")[0].GetProperty("id").GetString()!;
            var before = File.ReadAllText(Path.Combine(ws, Procedure));
            var refused = Cli.Run("heal", ws, "--apply", id);
            Assert.Equal(1, refused.Code);
            Assert.Contains("refused", refused.Err);
            Assert.Contains("autoApply", refused.Err);
            Assert.Equal(before, File.ReadAllText(Path.Combine(ws, Procedure)));

            File.WriteAllText(Path.Combine(ws, "etl-agent.json"), """{"heal": {"autoApply": ["boundary"]}}""");
            var applied = Cli.Run("heal", ws, "--apply", id);
            Assert.True(applied.Code == 0, applied.Out + applied.Err);
            Assert.Contains($"applied heal {id}", applied.Out);
            Assert.Contains("s.[Sold At] >= @From", File.ReadAllText(Path.Combine(ws, Procedure)));
            Assert.Equal(0, Cli.Run("test", ws).Code);

            Assert.Equal(2, Cli.Run("heal", ws, "--apply", "Hnosuchheal").Code);
        }
        finally { Directory.Delete(ws, true); }
    }

    [Fact]
    public void Run_heal_applies_only_what_the_policy_allows()
    {
        var ws = Scratch();
        try
        {
            var (code, output, err) = Cli.Run("run", ws, "--no-generate", "--heal");
            Assert.True(code == 1, output + err);
            Assert.Contains("suggested, not applied (policy)", output);
            Assert.Contains("s.[Sold At] > @From", File.ReadAllText(Path.Combine(ws, Procedure)));
        }
        finally { Directory.Delete(ws, true); }

        ws = Scratch("""{"heal": {"autoApply": "all"}}""");
        try
        {
            var (_, output, err) = Cli.Run("run", ws, "--no-generate", "--heal");
            Assert.Contains("applied heal", output + err);
            Assert.Contains("s.[Sold At] >= @From", File.ReadAllText(Path.Combine(ws, Procedure)));
        }
        finally { Directory.Delete(ws, true); }
    }
}
