using EtlAgent.Cli;

namespace EtlAgent.Cli.Tests;

/// <summary>A test file in YAML's JSON style with a bracketed name is the same test file for every command.</summary>
public class TestFileStylesTests
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

    private const string JsonStyle = """
        {"transformation": "[dbo].[LoadDst]",
         "cases": [{"name": "copies a new row", "clock": "2016-06-02T08:00:00",
                    "given": {"dbo.Src": [{"Id": 1, "Name": "a"}]},
                    "expect": {"dbo.Dst": {"rows": [{"Id": 1, "Name": "a"}]}}},
                   {"name": "keeps a known row", "clock": "2016-06-02T08:00:00",
                    "given": {"dbo.Src": [{"Id": 1, "Name": "b"}], "dbo.Dst": [{"Id": 1, "Name": "a"}]},
                    "expect": {"dbo.Dst": {"rows": [{"Id": 1, "Name": "a"}]}}}]}
        """;

    private static (int Code, string Out, string Err) Run(params string[] args) => Cli.Run(args);

    [Fact]
    public void Test_mutate_and_run_all_find_a_json_style_test_file()
    {
        var ws = Path.Combine(Path.GetTempPath(), "etlagent-styles-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(ws, "tests"));
        try
        {
            File.WriteAllText(Path.Combine(ws, "schema.sql"), Schema);
            File.WriteAllText(Path.Combine(ws, "tests", "load.etltest.yaml"), JsonStyle);

            var test = Run("test", ws);
            Assert.True(test.Code == 0, test.Out + test.Err);
            Assert.Contains("2 passed, 0 failed", test.Out);

            var mutate = Run("mutate", ws, "--transformation", "dbo.LoadDst");
            Assert.True(System.Text.RegularExpressions.Regex.IsMatch(mutate.Out, @"(?m)^dbo\.LoadDst: \d+ of \d+ mutants killed"), mutate.Out + mutate.Err);

            var run = Run("run", ws, "--budget", "30");
            Assert.True(run.Code == 0, run.Out + run.Err);
            Assert.DoesNotContain("Generated tests", run.Out);
            Assert.False(Directory.Exists(Path.Combine(ws, "tests", "etl")));
        }
        finally { Directory.Delete(ws, recursive: true); }
    }
}
