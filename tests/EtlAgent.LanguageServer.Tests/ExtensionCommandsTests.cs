using System.Text.Json;
using System.Text.RegularExpressions;
using EtlAgent.Core.Tests;

namespace EtlAgent.LanguageServer.Tests;

/// <summary>
/// The VS Code extension's commands against the server's initialize result
/// (executeCommandProvider.commands): the extension offers no command that nothing executes, and
/// the server announces no command the extension does not know of.
/// </summary>
public class ExtensionCommandsTests
{
    /// <summary>Commands the extension runs itself, never sent to the server, each with the reason.</summary>
    private static readonly Dictionary<string, string> ClientOnly = new(StringComparer.Ordinal)
    {
        ["etlAgent.refreshPipelines"] = "reloads the Pipelines view (which asks the server with the etlAgent/pipelines request)",
        ["etlAgent.restartServer"] = "stops and starts the server process",
        ["etlAgent.showOutput"] = "opens the output channel with the server's log",
    };

    private static string Extension => Path.Combine(TestPaths.RepoRoot, "vscode-extension");

    private static async Task<HashSet<string>> ServerCommandsAsync()
    {
        var root = Directory.CreateTempSubdirectory("etlagent-commands-").FullName;
        try
        {
            await using var server = await InProcessServer.StartAsync(root, indexed: false);
            return server.InitializeResult["capabilities"]!["executeCommandProvider"]!["commands"]!.AsArray()
                .Select(c => c!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    private static (HashSet<string> Contributed, HashSet<string> NotCommands) Manifest()
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(Extension, "package.json")));
        var contributes = manifest.RootElement.GetProperty("contributes");
        var contributed = contributes.GetProperty("commands").EnumerateArray().Select(c => c.GetProperty("command").GetString()!).ToHashSet(StringComparer.Ordinal);
        // ids that look like commands but name views and settings
        var views = contributes.GetProperty("views").EnumerateObject().SelectMany(v => v.Value.EnumerateArray()).Select(v => v.GetProperty("id").GetString()!);
        var settings = contributes.GetProperty("configuration").GetProperty("properties").EnumerateObject().Select(p => p.Name)
            .SelectMany(name => Enumerable.Range(1, name.Count(c => c == '.')).Select(n => string.Join('.', name.Split('.').Take(n + 1))));
        return (contributed, views.Concat(settings).ToHashSet(StringComparer.Ordinal));
    }

    private static string Source() =>
        string.Join("\n", Directory.EnumerateFiles(Path.Combine(Extension, "src"), "*.ts").Order(StringComparer.Ordinal).Select(File.ReadAllText));

    [Fact]
    public async Task The_extension_offers_only_commands_the_server_announces_or_runs_itself()
    {
        var server = await ServerCommandsAsync();
        var (contributed, _) = Manifest();
        Assert.NotEmpty(server);
        var unknown = contributed.Where(c => !server.Contains(c) && !ClientOnly.ContainsKey(c)).Order(StringComparer.Ordinal).ToList();
        Assert.True(unknown.Count == 0, $"vscode-extension/package.json contributes commands that the server does not announce (and that are not client-only): {string.Join(", ", unknown)}");
    }

    [Fact]
    public async Task Every_command_the_server_announces_is_contributed_or_known_to_the_extension()
    {
        var server = await ServerCommandsAsync();
        var (contributed, _) = Manifest();
        var source = Source();
        var unknown = server.Where(c => !contributed.Contains(c) && !source.Contains($"'{c}'", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.True(unknown.Count == 0, $"the server announces commands that the extension neither contributes nor mentions: {string.Join(", ", unknown)}");
    }

    [Fact]
    public async Task Client_only_commands_are_the_ones_the_extension_registers_and_none_is_a_server_command()
    {
        var server = await ServerCommandsAsync();
        var (contributed, _) = Manifest();
        var registered = Regex.Matches(Source(), @"registerCommand\(\s*'([^']+)'").Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(ClientOnly.Keys.Order(StringComparer.Ordinal), registered.Order(StringComparer.Ordinal));
        // the language client registers every announced command itself; registering one again fails activation
        Assert.Empty(ClientOnly.Keys.Where(server.Contains));
        Assert.Empty(ClientOnly.Keys.Where(c => !contributed.Contains(c)));
    }

    [Fact]
    public async Task Every_command_id_in_the_extension_code_is_a_server_command_or_one_it_registers()
    {
        var server = await ServerCommandsAsync();
        var (_, notCommands) = Manifest();
        var ids = Regex.Matches(Source(), @"'(etlAgent\.[A-Za-z.]+)'").Select(m => m.Groups[1].Value).Where(id => !notCommands.Contains(id)).ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(ids);
        var unknown = ids.Where(id => !server.Contains(id) && !ClientOnly.ContainsKey(id)).Order(StringComparer.Ordinal).ToList();
        Assert.True(unknown.Count == 0, $"vscode-extension/src uses command ids that neither the server nor the extension defines: {string.Join(", ", unknown)}");
    }

    private static async Task<List<(string Id, string Title, string Returns)>> AnnouncedAsync()
    {
        var root = Directory.CreateTempSubdirectory("etlagent-commands-").FullName;
        try
        {
            await using var server = await InProcessServer.StartAsync(root, indexed: false);
            return server.InitializeResult["capabilities"]!["experimental"]!["etlAgent"]!["commands"]!.AsArray()
                .Select(c => (c!["id"]!.GetValue<string>(), c["title"]!.GetValue<string>(), c["returns"]!.GetValue<string>())).ToList();
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public async Task The_announced_command_list_is_every_executable_command_with_a_title_and_package_json_matches_it()
    {
        var executable = await ServerCommandsAsync();
        var announced = await AnnouncedAsync();
        Assert.Equal(executable.Order(StringComparer.Ordinal), announced.Select(c => c.Id));
        var untitled = announced.Where(c => c.Title == c.Id || c.Title.Length == 0).Select(c => c.Id).ToList();
        Assert.True(untitled.Count == 0, $"commands without a descriptor (give the command class a Descriptor): {string.Join(", ", untitled)}");

        // package.json keeps its contributions (VS Code reads menus from there), and they say what the server says
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(Extension, "package.json")));
        var contributed = manifest.RootElement.GetProperty("contributes").GetProperty("commands").EnumerateArray()
            .Select(c => (Id: c.GetProperty("command").GetString()!, Title: c.GetProperty("title").GetString()!))
            .Where(c => !ClientOnly.ContainsKey(c.Id)).OrderBy(c => c.Id, StringComparer.Ordinal).ToList();
        Assert.Equal(announced.Select(c => $"{c.Id}: {c.Title}"), contributed.Select(c => $"{c.Id}: {c.Title}"));
    }

    [Fact]
    public async Task Docs_lsp_extensions_describes_every_command_and_its_result_type()
    {
        var doc = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "docs", "lsp-extensions.md"));
        foreach (var (id, _, returns) in await AnnouncedAsync())
        {
            Assert.Contains($"`{id}`", doc);
            var type = returns.TrimEnd('[', ']');
            if (type != "null") Assert.Contains($"interface {type} ", doc);
        }
    }

    [Fact]
    public void The_extension_takes_progress_and_refresh_from_the_announced_list_not_from_ids_of_its_own()
    {
        var commands = File.ReadAllText(Path.Combine(Extension, "src", "commands.ts"));
        Assert.DoesNotContain("'etlAgent.fullRun'", commands);
        Assert.DoesNotContain("'etlAgent.mutate'", commands);
        Assert.Contains("announcedCommands(", Source());
    }
}
