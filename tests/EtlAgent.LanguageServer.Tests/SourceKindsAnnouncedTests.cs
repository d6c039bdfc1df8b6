using EtlAgent.Core.Discovery;
using EtlAgent.Core.Tests;

namespace EtlAgent.LanguageServer.Tests;

/// <summary>
/// The server says which documents it reads (its source kinds and test files) in the initialize
/// result, so clients need not hard-code `.sql`; the extension's source holds no such pattern.
/// </summary>
public class SourceKindsAnnouncedTests
{
    [Fact]
    public async Task The_initialize_result_lists_every_source_kind_and_the_test_files()
    {
        var root = Directory.CreateTempSubdirectory("etlagent-kinds-").FullName;
        try
        {
            await using var server = await InProcessServer.StartAsync(root, indexed: false);
            var etl = server.InitializeResult["capabilities"]!["experimental"]!["etlAgent"]!;
            var kinds = etl["sourceKinds"]!.AsArray();
            Assert.Equal(SourceKinds.Default.All.Count, kinds.Count);
            var tsql = kinds.Single(k => k!["name"]!.GetValue<string>() == "T-SQL")!;
            Assert.Equal(new[] { "sql" }, tsql["languageIds"]!.AsArray().Select(l => l!.GetValue<string>()));
            Assert.Equal(new[] { "**/*.sql" }, tsql["filePatterns"]!.AsArray().Select(l => l!.GetValue<string>()));
            Assert.Equal(new[] { "**/*.etltest.yaml" }, etl["testFilePatterns"]!.AsArray().Select(l => l!.GetValue<string>()));
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void The_extension_does_not_hard_code_the_servers_file_kinds()
    {
        var source = string.Join("\n", Directory.EnumerateFiles(Path.Combine(TestPaths.RepoRoot, "vscode-extension", "src"), "*.ts").Select(File.ReadAllText));
        Assert.DoesNotContain("*.sql", source);
        Assert.DoesNotContain("language: 'sql'", source);
        Assert.DoesNotContain("languageId === 'sql'", source);
        Assert.Contains("servedDocuments(", source);
    }
}
