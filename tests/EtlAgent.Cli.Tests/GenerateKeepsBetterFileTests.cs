using EtlAgent.Cli;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Sandbox.TestFiles;

namespace EtlAgent.Cli.Tests;

/// <summary>A generation cut short (--budget 0, --no-mutants) never replaces a recorded file that has more cases.</summary>
public class GenerateKeepsBetterFileTests
{
    private const string Schema = """
        CREATE TABLE dbo.Src (Id int NOT NULL PRIMARY KEY, Name nvarchar(20) NULL);
        GO
        CREATE TABLE dbo.Dst (Id int NOT NULL PRIMARY KEY, Name nvarchar(20) NULL);
        GO
        CREATE PROCEDURE dbo.LoadDst AS
        BEGIN
            INSERT INTO dbo.Dst (Id, Name) SELECT Id, Name FROM dbo.Src WHERE Id NOT IN (SELECT Id FROM dbo.Dst);
        END;
        GO
        """;

    private static (int Code, string Out, string Err) Run(params string[] args) => Cli.Run(args);

    [Fact]
    public void A_recorded_file_with_more_cases_is_kept_and_the_output_says_so()
    {
        var ws = Path.Combine(Path.GetTempPath(), "etlagent-keep-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(ws);
        try
        {
            File.WriteAllText(Path.Combine(ws, "schema.sql"), Schema);
            var path = Path.Combine(ws, "tests", "etl", "dbo.LoadDst.etltest.yaml");
            var first = Run("generate", ws, "--no-mutants");
            Assert.True(first.Code == 0, first.Out + first.Err);
            var generated = File.ReadAllText(path);
            int generatedCases = TestFileOutline.Read(generated)!.CaseNames.Count;

            // a recorded file that covers more: every generated case, and a copy of each
            var at = generated.IndexOf("\ncases:\n", StringComparison.Ordinal) + "\ncases:\n".Length;
            var richer = generated + generated[at..].Replace("- name: \"", "- name: \"copy ");
            File.WriteAllText(path, richer);
            Assert.True(GeneratedTestFiles.IsRecorded(richer));
            Assert.Equal(2 * generatedCases, TestFileOutline.Read(richer)!.CaseNames.Count);

            foreach (var cut in new[] { new[] { "--budget", "0" }, new[] { "--no-mutants" } })
            {
                var (code, output, err) = Run(new[] { "generate", ws }.Concat(cut).ToArray());
                Assert.Contains($"SKIP  dbo.LoadDst: kept tests/etl/dbo.LoadDst.etltest.yaml: it has {2 * generatedCases} cases, this generation only {generatedCases}", output);
                Assert.Equal(richer, File.ReadAllText(path));
                Assert.Equal(1, code); // nothing written
            }

            // --force replaces it
            var forced = Run("generate", ws, "--no-mutants", "--force");
            Assert.True(forced.Code == 0, forced.Out + forced.Err);
            Assert.Equal(generatedCases, TestFileOutline.Read(File.ReadAllText(path))!.CaseNames.Count);
        }
        finally { Directory.Delete(ws, recursive: true); }
    }
}
