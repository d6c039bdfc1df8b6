using System.Text.Json;
using EtlAgent.Cli;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Cli.Tests;

/// <summary>
/// Object names that are not file names (`..`, separators, characters Windows refuses) and a test
/// folder that is a link out of the workspace: generation writes one safe file per object inside
/// the workspace or refuses with an error naming the object; the run goes on and writes its reports.
/// </summary>
public class UnsafeNamesTests
{
    private const string Tables = """
        CREATE TABLE dbo.Src (Id int NOT NULL PRIMARY KEY, Name nvarchar(20) NULL);
        GO
        CREATE TABLE dbo.Dst (Id int NOT NULL PRIMARY KEY, Name nvarchar(20) NULL);
        GO
        """;

    private static string Load(string name) => $"""
        CREATE PROCEDURE {name} AS
        BEGIN
            INSERT INTO dbo.Dst (Id, Name) SELECT Id, Name FROM dbo.Src WHERE Id NOT IN (SELECT Id FROM dbo.Dst);
        END;
        GO
        """;

    private static (int Code, string Out, string Err) Run(params string[] args) => Cli.Run(args);

    /// <summary>A scratch folder with a workspace inside it (so "outside" is still under the scratch folder).</summary>
    private static (string Scratch, string Workspace) Workspace(params string[] procedures)
    {
        var scratch = Path.Combine(Path.GetTempPath(), "etlagent-names-" + Guid.NewGuid().ToString("N")[..8]);
        var ws = Path.Combine(scratch, "a", "b", "c", "ws");
        Directory.CreateDirectory(ws);
        File.WriteAllText(Path.Combine(ws, "schema.sql"), Tables + "\n" + string.Join("\n", procedures.Select(Load)) + "\n");
        return (scratch, ws);
    }

    private static IEnumerable<string> FilesUnder(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/')).Order();

    [Fact]
    public void A_procedure_named_with_dot_dot_segments_gets_one_file_inside_tests_etl()
    {
        var (scratch, ws) = Workspace("dbo.[../../../escaped-1]");
        try
        {
            var (code, output, err) = Run("generate", ws, "--no-mutants");
            Assert.True(code == 0, output + err);
            var written = Assert.Single(FilesUnder(scratch).Where(f => f.EndsWith(".etltest.yaml", StringComparison.Ordinal)));
            Assert.Equal("a/b/c/ws/tests/etl/dbo.%2E.%2F..%2F..%2Fescaped-1.etltest.yaml".Replace("dbo.%2E.", "dbo..."), written);
            // the file is a test file of that procedure: `test` runs it
            var test = Run("test", ws);
            Assert.True(test.Code == 0, test.Out + test.Err);
            // and the full run knows the procedure has tests: it generates nothing
            var run = Run("run", ws, "--budget", "30");
            Assert.True(run.Code == 0, run.Out + run.Err);
            Assert.DoesNotContain("Generated tests", run.Out);
        }
        finally { Directory.Delete(scratch, recursive: true); }
    }

    [Fact]
    public void A_schema_named_with_dot_dot_segments_neither_escapes_nor_crashes_generate_or_run()
    {
        var (scratch, ws) = Workspace("[../../../../outside/escaped-2].[Load]");
        try
        {
            File.WriteAllText(Path.Combine(ws, "schema.sql"), "CREATE SCHEMA [../../../../outside/escaped-2];\nGO\n" + File.ReadAllText(Path.Combine(ws, "schema.sql")));
            var (code, output, err) = Run("generate", ws, "--no-mutants");
            Assert.True(code == 0, output + err);
            Assert.False(Directory.Exists(Path.Combine(scratch, "a", "outside")));
            Assert.Single(Directory.EnumerateFiles(Path.Combine(ws, "tests", "etl")));

            Directory.Delete(Path.Combine(ws, "tests"), recursive: true);
            var run = Run("run", ws, "--budget", "30");
            Assert.True(run.Code is 0 or 1, run.Out + run.Err);
            Assert.True(File.Exists(Path.Combine(ws, ".etl-agent", "reports", "etl-agent.sarif")));
            Assert.True(File.Exists(Path.Combine(ws, ".etl-agent", "reports", "junit.xml")));
            Assert.Equal(new[] { "schema.sql" }, Directory.EnumerateFiles(ws).Select(Path.GetFileName));
            Assert.False(Directory.Exists(Path.Combine(scratch, "a", "outside")));
        }
        finally { Directory.Delete(scratch, recursive: true); }
    }

    [Fact]
    public void A_test_folder_linked_outside_the_workspace_is_refused_with_an_error_naming_the_object_and_the_run_still_reports()
    {
        var (scratch, ws) = Workspace("dbo.LoadDst");
        try
        {
            var outside = Path.Combine(scratch, "outside");
            Directory.CreateDirectory(outside);
            Directory.CreateDirectory(Path.Combine(ws, "tests"));
            Directory.CreateSymbolicLink(Path.Combine(ws, "tests", "etl"), outside);

            var (code, output, err) = Run("generate", ws, "--no-mutants");
            Assert.NotEqual(0, code);
            Assert.Contains("dbo.LoadDst: error: cannot write the tests of dbo.LoadDst: tests/etl/dbo.LoadDst.etltest.yaml: outside the workspace", err);
            Assert.Empty(Directory.EnumerateFileSystemEntries(outside));

            var run = Run("run", ws, "--budget", "30");
            Assert.True(run.Code is 0 or 1, run.Out + run.Err);
            Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
            using var sarif = JsonDocument.Parse(File.ReadAllText(Path.Combine(ws, ".etl-agent", "reports", "etl-agent.sarif")));
            Assert.True(File.Exists(Path.Combine(ws, ".etl-agent", "reports", "junit.xml")));
            Assert.Contains("ERROR dbo.LoadDst: cannot write the tests of dbo.LoadDst: tests/etl/dbo.LoadDst.etltest.yaml: outside the workspace", run.Out);
        }
        finally { Directory.Delete(scratch, recursive: true); }
    }

    [Fact]
    public void Names_with_characters_files_cannot_hold_get_single_loadable_files()
    {
        var names = new[] { "dbo.[a/b]", "dbo.[a\\b]", "dbo.[a:b]", "dbo.[a*b]", "dbo.[a?b]", "dbo.[a\"b]", "dbo.[a<b]", "dbo.[a>b]", "dbo.[a|b]", "[CON].[Load]", "dbo.[trailing. ]" };
        var (scratch, ws) = Workspace(names);
        try
        {
            var (code, output, err) = Run("generate", ws, "--no-mutants");
            Assert.True(code == 0, output + err);
            Assert.Contains($"{names.Length} test files written", output);
            var written = Directory.EnumerateFileSystemEntries(Path.Combine(ws, "tests", "etl")).Select(Path.GetFileName).Order().ToList();
            Assert.Equal(names.Length, written.Count);
            Assert.All(written, f => Assert.True(File.Exists(Path.Combine(ws, "tests", "etl", f!)), f));
            Assert.All(written, f => Assert.Equal(-1, f!.IndexOfAny(new[] { '/', '\\', ':', '*', '?', '"', '<', '>', '|' })));
            var test = Run("test", ws);
            Assert.True(test.Code == 0, test.Out + test.Err);
            Assert.DoesNotContain("FAIL", test.Out);
            var tested = test.Out.Split('\n').Where(l => l.StartsWith("PASS  ", StringComparison.Ordinal)).Select(l => l[6..l.IndexOf(" › ", StringComparison.Ordinal)]).Distinct().Count();
            Assert.Equal(names.Length, tested);
        }
        finally { Directory.Delete(scratch, recursive: true); }
    }
}
