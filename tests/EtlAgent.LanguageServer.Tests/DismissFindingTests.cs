using System.Text.Json.Nodes;
using EtlAgent.Core.Memory;

namespace EtlAgent.LanguageServer.Tests;

/// <summary>
/// "Dismiss finding…": the quick fix on an ETL Agent diagnostic runs etlAgent.dismissFinding, which
/// stores the dismissal in the workspace's memory by fingerprint and publishes the file again
/// without it; the CLI reads the same memory (MemoryCliTests).
/// </summary>
public sealed class DismissFindingTests
{
    [Fact]
    public async Task The_dismiss_quick_fix_stores_the_dismissal_and_the_diagnostic_goes_away()
    {
        var root = TestWorkspace.Copy("memory");
        try
        {
            var uri = new Uri(Path.Combine(root, "procs", "LoadNewCustomers.sql")).AbsoluteUri;
            await using (var server = await InProcessServer.StartAsync(root))
            {
                var diagnostic = server.Diagnostics[uri].Single(d => d!["code"]!.GetValue<string>() == "ETL0010")!;
                var actions = (await server.RequestAsync("textDocument/codeAction", new JsonObject
                {
                    ["textDocument"] = new JsonObject { ["uri"] = uri },
                    ["range"] = diagnostic["range"]!.DeepClone(),
                    ["context"] = new JsonObject { ["diagnostics"] = new JsonArray(diagnostic.DeepClone()) },
                }))!.AsArray();
                var dismiss = actions.Single(a => a!["title"]!.GetValue<string>() == "Dismiss finding… (ETL0010)")!;
                Assert.Equal("quickfix", dismiss["kind"]!.GetValue<string>());
                var command = dismiss["command"]!;
                Assert.Equal("etlAgent.dismissFinding", command["command"]!.GetValue<string>());
                var arguments = command["arguments"]!.AsArray().DeepClone().AsArray();
                arguments.Add("the staging table is loaded before the job runs");
                var result = await server.RequestAsync("workspace/executeCommand", new JsonObject
                {
                    ["command"] = "etlAgent.dismissFinding",
                    ["arguments"] = arguments,
                });
                Assert.True(result!["dismissed"]!.GetValue<bool>());

                var deadline = DateTime.UtcNow.AddSeconds(30);
                while (server.Diagnostics[uri].Any(d => d!["code"]!.GetValue<string>() == "ETL0010") && DateTime.UtcNow < deadline) await Task.Delay(100);
                Assert.DoesNotContain(server.Diagnostics[uri], d => d!["code"]!.GetValue<string>() == "ETL0010");
            }
            using var store = new SqliteMemoryStore(Path.Combine(root, ".etl-agent", "memory.db"));
            var stored = Assert.Single(store.Findings().Values);
            Assert.Equal(("ETL0010", FindingState.Dismissed, "the staging table is loaded before the job runs"), (stored.RuleId, stored.State, stored.Reason));
            // audited as the CLI's `dismiss` is, with the editor as the actor
            var audited = Assert.Single(store.AuditEntries(), a => a.Action == Core.Model.AuditActions.FindingDismissed);
            Assert.Equal(("editor", "procs/LoadNewCustomers.sql", stored.Fingerprint), (audited.Actor, audited.Target, audited.Details!["fingerprint"]));

            // a new server (the editor reopened) still leaves it out
            await using var again = await InProcessServer.StartAsync(root);
            Assert.DoesNotContain(again.Diagnostics.GetValueOrDefault(uri) ?? new JsonArray(), d => d!["code"]!.GetValue<string>() == "ETL0010");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(root, recursive: true);
        }
    }
}
