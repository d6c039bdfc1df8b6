using System.Text.Json.Nodes;
using EtlAgent.Core.Tests;
using EtlAgent.LanguageServer.Server;
using EtlAgent.VisualStudio.Pipelines;
using EtlAgent.VisualStudio.Protocol;
using EtlAgent.VisualStudio.Settings;
using Newtonsoft.Json.Linq;

namespace EtlAgent.LanguageServer.Tests;

/// <summary>
/// The Visual Studio extension's logic that needs no Visual Studio (vs-extension/, compiled in here),
/// against this server: the command list its menu reads, the settings it sends, the Pipelines tree
/// it builds. The extension itself is .NET Framework and is never run on these machines.
/// </summary>
public class VisualStudioClientTests
{
    private static JToken Newtonsoft(JsonNode? node) => JToken.Parse(node?.ToJsonString() ?? "null");

    [Fact]
    public async Task The_menu_reads_every_announced_command_and_finds_the_ones_it_binds()
    {
        var root = Directory.CreateTempSubdirectory("etlagent-vs-").FullName;
        try
        {
            await using var server = await InProcessServer.StartAsync(root, indexed: false);
            var commands = CommandDescriptor.FromInitializeResult(Newtonsoft(server.InitializeResult));
            var announced = server.InitializeResult["capabilities"]!["experimental"]!["etlAgent"]!["commands"]!.AsArray();
            Assert.Equal(announced.Select(c => c!["id"]!.GetValue<string>()).Order(StringComparer.Ordinal), commands.Keys.Order(StringComparer.Ordinal));
            foreach (var c in announced)
            {
                var d = commands[c!["id"]!.GetValue<string>()];
                Assert.Equal(c["title"]!.GetValue<string>(), d.Title);
                Assert.Equal(c["cursor"]!.GetValue<bool>(), d.Cursor);
                Assert.Equal(c["progress"]!.GetValue<bool>(), d.Progress);
                Assert.Equal(c["returns"]!.GetValue<string>(), d.Returns);
            }
            foreach (var id in new[] { EtlAgentMethods.FullRun, EtlAgentMethods.GenerateTests, EtlAgentMethods.RunTests, EtlAgentMethods.Mutate })
                Assert.True(commands.ContainsKey(id), $"the menu's {id} is a server command");
            // from a menu, the cursor commands get the document and line
            Assert.True(commands[EtlAgentMethods.GenerateTests].Cursor);
            Assert.True(commands[EtlAgentMethods.Mutate].Cursor);
            Assert.False(commands[EtlAgentMethods.FullRun].Cursor);
            Assert.Empty(CommandDescriptor.FromInitializeResult(JToken.Parse("""{"capabilities":{}}""")));
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void The_options_start_the_server_and_configure_it_as_the_VS_Code_settings_do()
    {
        var ext = Path.Combine("C:", "ext");
        Assert.Equal(("dotnet", Path.Combine(ext, "server", "EtlAgent.LanguageServer.dll"), "bundled"), new ServerSettings().Launch(ext));
        Assert.Equal(("C:/dotnet/dotnet.exe", "D:/etl/EtlAgent.LanguageServer.DLL", "settings"),
            new ServerSettings { ServerPath = " D:/etl/EtlAgent.LanguageServer.DLL ", DotnetPath = "C:/dotnet/dotnet.exe" }.Launch(ext));
        Assert.Equal(("D:/etl/etl-agent-ls.exe", "", "settings"), new ServerSettings { ServerPath = "D:/etl/etl-agent-ls.exe" }.Launch(ext));
        Assert.Equal("\"C:/Program Files/etl/EtlAgent.LanguageServer.dll\"", new ServerSettings { ServerPath = "C:/Program Files/etl/EtlAgent.LanguageServer.dll" }.Launch(ext).Arguments);
        Assert.Equal("dotnet", new ServerSettings { DotnetPath = "  " }.Launch(ext).Command);

        // what the server reads from them (its ClientSettings): blank globs and unknown levels left out
        var options = new ServerSettings { Include = new[] { "etl/**/*.sql", " ", "" }, Exclude = new[] { "**/old/**" }, CompatibilityLevel = 150 }.InitializationOptions();
        var read = ClientSettings.From(JsonNode.Parse(options.ToString()));
        Assert.Equal(new[] { "etl/**/*.sql" }, read.Include);
        Assert.Equal(new[] { "**/old/**" }, read.Exclude);
        Assert.Equal(150, read.CompatibilityLevel);
        Assert.Null(ClientSettings.From(JsonNode.Parse(new ServerSettings { CompatibilityLevel = 99 }.InitializationOptions().ToString())).CompatibilityLevel);
        Assert.Null(new ServerSettings().InitializationOptions()["compatibilityLevel"]);
    }

    [Fact]
    public async Task The_Pipelines_window_shows_the_servers_pipelines_with_each_transformations_reads_and_writes()
    {
        var root = Directory.CreateTempSubdirectory("etlagent-vs-pipelines-").FullName;
        try
        {
            CopyDirectory(Path.Combine(TestPaths.RepoRoot, "tests", "fixtures", "lsp"), root);
            await using var server = await InProcessServer.StartAsync(root);
            var model = await server.RequestAsync("etlAgent/pipelines", new JsonObject());
            var roots = PipelineNode.Build(Newtonsoft(model));
            var pipelines = model!["pipelines"]!.AsArray();
            Assert.NotEmpty(pipelines);
            Assert.Equal(pipelines.Select(p => p!["id"]!.GetValue<string>()), roots.Select(r => r.Label));
            var load = roots.SelectMany(r => r.Children).Single(t => t.Label == "Etl.LoadCustomer");
            Assert.Equal("procs/LoadCustomer.sql", load.File!.Replace('\\', '/'));
            Assert.Equal(1, load.Line);   // the CREATE line, 0-based
            Assert.Equal(new[] { "Dim.Customer" }, load.Children.Single(g => g.Label == "Writes").Children.Select(t => t.Label));
            var written = load.Children.Single(g => g.Label == "Writes").Children.Single();
            Assert.Equal("tables/Dim.Customer.sql", written.File!.Replace('\\', '/'));
            Assert.Empty(PipelineNode.Build(JToken.Parse("{}")));
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }
}
