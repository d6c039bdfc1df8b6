using System.Text.Json;
using System.Text.Json.Nodes;
using EtlAgent.Cli;

namespace EtlAgent.LanguageServer.Tests;

/// <summary>
/// The two doors show the same findings: `etl-agent check --format json` and the diagnostics the
/// language server publishes for the whole workspace once it is indexed, on the fixture warehouse.
/// </summary>
public class CliServerParityTests
{
    /// <summary>One finding as both doors can express it: zero-based positions, as LSP counts.</summary>
    private sealed record Seen(string File, string RuleId, int StartLine, int StartCharacter, int EndLine, int EndCharacter, string Severity, string Message)
    {
        public override string ToString() => $"{File}:{StartLine + 1}:{StartCharacter + 1}-{EndLine + 1}:{EndCharacter + 1} {Severity} {RuleId} {Message}";
    }

    [Fact]
    public async Task The_cli_check_and_the_server_report_the_same_findings_on_the_fixture_warehouse()
    {
        var root = TestWorkspace.Copy("warehouse"); // the server may write under .etl-agent/; the fixture stays as it is
        try
        {
            var cli = await CheckAsync(root);
            IReadOnlyList<Seen> server;
            await using (var lsp = await InProcessServer.StartAsync(root))
                server = Published(lsp, root);

            Assert.NotEmpty(cli); // the warehouse has seeded defects: an empty comparison proves nothing
            var onlyCli = cli.Except(server).ToList();
            var onlyServer = server.Except(cli).ToList();
            Assert.True(onlyCli.Count == 0 && onlyServer.Count == 0,
                $"only from `etl-agent check`:\n  {string.Join("\n  ", onlyCli)}\nonly from the language server:\n  {string.Join("\n  ", onlyServer)}");
            Assert.Equal(cli.Count, server.Count); // no finding twice in one door and once in the other
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    private static async Task<List<Seen>> CheckAsync(string root)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await CliApp.RunAsync(new[] { "check", root, "--format", "json", "--fail-on", "never" }, stdout, stderr);
        Assert.True(code == 0, stderr.ToString());
        using var json = JsonDocument.Parse(stdout.ToString());
        return json.RootElement.GetProperty("findings").EnumerateArray().Select(f =>
        {
            var r = f.GetProperty("range");
            return new Seen(f.GetProperty("file").GetString()!, f.GetProperty("ruleId").GetString()!,
                r.GetProperty("startLine").GetInt32() - 1, r.GetProperty("startColumn").GetInt32() - 1,
                r.GetProperty("endLine").GetInt32() - 1, r.GetProperty("endColumn").GetInt32() - 1,
                f.GetProperty("severity").GetString()!, f.GetProperty("message").GetString()!);
        }).ToList();
    }

    /// <summary>The rule findings among the published diagnostics (source "etl-agent"; test results and the like have their own sources).</summary>
    private static List<Seen> Published(InProcessServer lsp, string root) =>
        lsp.Diagnostics.SelectMany(p => p.Value.Select(d => (Uri: p.Key, Diagnostic: d!)))
            .Where(x => x.Diagnostic["source"]?.GetValue<string>() == "etl-agent")
            .Select(x =>
            {
                var d = x.Diagnostic;
                var range = d["range"]!;
                return new Seen(Relative(root, x.Uri), d["code"]!.GetValue<string>(),
                    range["start"]!["line"]!.GetValue<int>(), range["start"]!["character"]!.GetValue<int>(),
                    range["end"]!["line"]!.GetValue<int>(), range["end"]!["character"]!.GetValue<int>(),
                    Severity(d["severity"]!.GetValue<int>()), d["message"]!.GetValue<string>());
            }).ToList();

    private static string Relative(string root, string uri) =>
        Path.GetRelativePath(root, new Uri(uri).LocalPath).Replace('\\', '/');

    /// <summary>LSP's DiagnosticSeverity numbers, named as the CLI's JSON names them.</summary>
    private static string Severity(int lsp) => lsp switch
    {
        1 => "error",
        2 => "warning",
        3 => "information",
        4 => "hint",
        _ => $"severity {lsp}",
    };
}
