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
}
