using System.Text.Json.Nodes;

namespace EtlAgent.LanguageServer.Tests;

/// <summary>
/// Heals in the editor on a scratch copy of tests/fixtures/healing with a seeded fault: after a
/// test run, the verified heal is a quick fix on the statement and on the failing case's diagnostic
/// (titled with its evidence, its command re-running the tests), "Explain failure" is a lens on the
/// failing case and a command returning Markdown, and once the heal is applied the tests pass and
/// the heal and the lens are gone.
/// </summary>
public class HealQuickFixTests
{
    private const string Procedure = "Fact.LoadSale.sql";
    private const string Test = "tests/Fact.LoadSale.etltest.yaml";

    [Fact]
    public async Task A_verified_heal_is_a_quick_fix_on_the_statement_and_on_the_failing_case()
    {
        var root = TestWorkspace.Copy("healing");
        try
        {
            var proc = Path.Combine(root, Procedure);
            File.WriteAllText(proc, File.ReadAllText(proc).Replace("s.[Sold At] >= @From", "s.[Sold At] > @From", StringComparison.Ordinal));
            await using var server = await InProcessServer.StartAsync(root);
            var procUri = new Uri(proc).AbsoluteUri;
            var testUri = new Uri(Path.Combine(root, Test)).AbsoluteUri;

            await Command(server, "etlAgent.runTests", "Fact.LoadSale");
            var heal = await Until(() => Diagnostics(server, procUri).FirstOrDefault(d => d["code"]?.GetValue<string>() == "ETL0120"));
            Assert.Contains("verified heal: include the boundary", heal["message"]!.GetValue<string>());
            Assert.Equal(14, heal["range"]!["start"]!["line"]!.GetValue<int>());

            var onStatement = await CodeActions(server, procUri, heal);
            var action = Assert.Single(onStatement, a => a["title"]!.GetValue<string>().StartsWith("Heal: ", StringComparison.Ordinal));
            Assert.Equal("Heal: include the boundary: s.[Sold At] >= @From (verified: 3/3 cases, 0 new findings)", action["title"]!.GetValue<string>());
            Assert.Equal("quickfix", action["kind"]!.GetValue<string>());
            Assert.Equal("etlAgent.runTests", action["command"]!["command"]!.GetValue<string>());
            var healId = action["command"]!["arguments"]![1]!.GetValue<string>();
            Assert.Equal("Fact.LoadSale", action["command"]!["arguments"]![0]!.GetValue<string>());
            var edit = Assert.Single(action["edit"]!["changes"]![procUri]!.AsArray())!;
            Assert.Equal(">=", edit["newText"]!.GetValue<string>());

            // the failing case's own diagnostic in the test file offers the same heal
            var failing = await Until(() => Diagnostics(server, testUri).FirstOrDefault(d => d["code"]?.GetValue<string>() == "ETL0100"));
            var onCase = await CodeActions(server, testUri, failing);
            Assert.Contains(onCase, a => a["title"]!.GetValue<string>() == action["title"]!.GetValue<string>());

            // Explain failure: a lens on the failing case, a command returning Markdown
            var lenses = (await server.RequestAsync("textDocument/codeLens", new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = testUri } }))!.AsArray();
            var lens = Assert.Single(lenses, l => l!["command"]!["title"]!.GetValue<string>() == "Explain failure")!;
            var explained = await server.RequestAsync("workspace/executeCommand", new JsonObject
            {
                ["command"] = "etlAgent.explainFailure",
                ["arguments"] = lens["command"]!["arguments"]!.DeepClone(),
            });
            var markdown = explained!["markdown"]!.GetValue<string>();
            Assert.Contains("## Why \"a sale at the start of the window is loaded\" fails", markdown);
            Assert.Contains("| expected, not found | 11 | NULL | 1 |", markdown);
            Assert.Contains("WHERE s.[Sold At] > @From", markdown);
            Assert.Contains("include the boundary", markdown);
            Assert.Contains("Base (last green version): ", markdown); // which last green version the heals started from (here: none, with the reason)
            // from a menu (Visual Studio, the palette): [uri, cursor line] inside the failing case finds the same case
            var atCursor = await server.RequestAsync("workspace/executeCommand", new JsonObject
            {
                ["command"] = "etlAgent.explainFailure",
                ["arguments"] = new JsonArray(testUri, lens["range"]!["start"]!["line"]!.GetValue<int>() + 1),
            });
            Assert.Equal(markdown, atCursor!["markdown"]!.GetValue<string>());

            // the client applies the edit, then runs the action's command: all green, heal and lens gone
            var text = File.ReadAllText(proc);
            var lines = text.Split('\n');
            int line = edit["range"]!["start"]!["line"]!.GetValue<int>(), from = edit["range"]!["start"]!["character"]!.GetValue<int>(), to = edit["range"]!["end"]!["character"]!.GetValue<int>();
            lines[line] = lines[line][..from] + edit["newText"]!.GetValue<string>() + lines[line][to..];
            File.WriteAllText(proc, string.Join('\n', lines));
            var rerun = await server.RequestAsync("workspace/executeCommand", new JsonObject
            {
                ["command"] = action["command"]!["command"]!.GetValue<string>(),
                ["arguments"] = action["command"]!["arguments"]!.DeepClone(),
            });
            Assert.Equal(0, rerun!["summary"]!["failed"]!.GetValue<int>());
            // the memory knows the editor applied it (heal ranking learns from it), and the audit trail says who
            using (var memory = new Core.Memory.SqliteMemoryStore(Path.Combine(root, ".etl-agent", "memory.db")))
            {
                var records = memory.Heals().Where(h => h.HealId == healId).ToList();
                Assert.Equal(1, records.Count(h => h.Status == Core.Memory.HealStatus.Offered));
                Assert.Equal(1, records.Count(h => h.Status == Core.Memory.HealStatus.Applied));
                var audited = Assert.Single(memory.AuditEntries(), a => a.Action == Core.Model.AuditActions.HealApplied);
                Assert.Equal(("editor", "Fact.LoadSale.sql", healId), (audited.Actor, audited.Target, audited.Details!["id"]));
            }
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            await Until(() => Diagnostics(server, procUri).Any(d => d["code"]?.GetValue<string>() == "ETL0120") ? null : new JsonObject());
            lenses = (await server.RequestAsync("textDocument/codeLens", new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = testUri } }))!.AsArray();
            Assert.DoesNotContain(lenses, l => l!["command"]!["title"]!.GetValue<string>() == "Explain failure");
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public async Task Given_rows_a_new_constraint_rejects_get_a_test_side_heal_as_a_quick_fix_on_the_failing_case()
    {
        var root = TestWorkspace.Copy("healing");
        try
        {
            // a CHECK added to the staged quantity rejects the given rows of quantity 1
            var schema = Path.Combine(root, "schema.sql");
            File.WriteAllText(schema, File.ReadAllText(schema).Replace("    [Quantity]     int           NOT NULL,\n    [Sold At]",
                "    [Quantity]     int           NOT NULL CONSTRAINT CK_Staging_Sale_Quantity CHECK ([Quantity] >= 2),\n    [Sold At]", StringComparison.Ordinal));
            await using var server = await InProcessServer.StartAsync(root);
            var testUri = new Uri(Path.Combine(root, Test)).AbsoluteUri;

            await Command(server, "etlAgent.runTests", "Fact.LoadSale");
            var failing = await Until(() => Diagnostics(server, testUri).FirstOrDefault(d => d["code"]?.GetValue<string>() == "ETL0100"));
            await Until(() => Diagnostics(server, testUri).FirstOrDefault(d => d["code"]?.GetValue<string>() == "ETL0120"));
            var actions = await CodeActions(server, testUri, failing);
            var action = Assert.Single(actions, a => a["title"]!.GetValue<string>().StartsWith("Heal: adjust the given rows of \"a sale at the start of the window is loaded\"", StringComparison.Ordinal));
            Assert.EndsWith("(verified: 3/3 cases, 0 new findings)", action["title"]!.GetValue<string>());
            Assert.Equal("etlAgent.runTests", action["command"]!["command"]!.GetValue<string>());
            Assert.NotEmpty(action["edit"]!["changes"]![testUri]!.AsArray());
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public async Task A_test_file_whose_given_rows_fell_behind_the_schema_gets_the_heal_on_its_load_problem()
    {
        var root = TestWorkspace.Copy("healing");
        try
        {
            // a new NOT NULL column the given rows do not give: the file no longer loads (ETL0102)
            var schema = Path.Combine(root, "schema.sql");
            File.WriteAllText(schema, File.ReadAllText(schema).Replace("    [Sold At]      datetime2(7)  NOT NULL\n);",
                "    [Sold At]      datetime2(7)  NOT NULL,\n    [Store]        nvarchar(10)  NOT NULL\n);", StringComparison.Ordinal));
            await using var server = await InProcessServer.StartAsync(root);
            var testUri = new Uri(Path.Combine(root, Test)).AbsoluteUri;

            await Command(server, "etlAgent.runTests", "Fact.LoadSale");
            var drift = await Until(() => Diagnostics(server, testUri).FirstOrDefault(d => d["code"]?.GetValue<string>() == "ETL0102"));
            await Until(() => Diagnostics(server, testUri).FirstOrDefault(d => d["code"]?.GetValue<string>() == "ETL0120"));
            var actions = await CodeActions(server, testUri, drift);
            var heal = Assert.Single(actions, a => a["title"]!.GetValue<string>().StartsWith("Heal: adjust the given rows to the new schema", StringComparison.Ordinal));
            Assert.Contains("expectations kept", heal["title"]!.GetValue<string>());
            Assert.Contains(actions, a => a["title"]!.GetValue<string>() == "Update test to the new schema");
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    private static Task<JsonNode?> Command(InProcessServer server, string command, params string[] arguments) =>
        server.RequestAsync("workspace/executeCommand", new JsonObject
        {
            ["command"] = command,
            ["arguments"] = new JsonArray(arguments.Select(a => (JsonNode)a).ToArray()),
        });

    private static async Task<List<JsonNode>> CodeActions(InProcessServer server, string uri, JsonNode diagnostic)
    {
        var result = await server.RequestAsync("textDocument/codeAction", new JsonObject
        {
            ["textDocument"] = new JsonObject { ["uri"] = uri },
            ["range"] = diagnostic["range"]!.DeepClone(),
            ["context"] = new JsonObject { ["diagnostics"] = new JsonArray(diagnostic.DeepClone()) },
        });
        return result!.AsArray().Select(a => a!).ToList();
    }

    private static IEnumerable<JsonNode> Diagnostics(InProcessServer server, string uri) =>
        server.Diagnostics.TryGetValue(uri, out var list) ? list.Select(d => d!) : Enumerable.Empty<JsonNode>();

    private static async Task<JsonNode> Until(Func<JsonNode?> probe)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (probe() is { } found) return found;
            await Task.Delay(200);
        }
        throw new TimeoutException("the server did not publish what the test waits for");
    }
}
