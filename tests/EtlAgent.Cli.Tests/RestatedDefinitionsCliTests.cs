namespace EtlAgent.Cli.Tests;

/// <summary>
/// `test` and `generate` on a database project whose deployment script restates every object
/// (tests/fixtures/restated-definitions): the sources are what runs and what is generated for, once.
/// </summary>
public class RestatedDefinitionsCliTests
{
    private static string Copy() => TestPaths.CopyOfFixture("restated-definitions");

    [Fact]
    public void The_test_runs_the_sources_not_the_deployment_scripts_copy()
    {
        var ws = Copy();
        try
        {
            // the copy has no Segment column and keeps names untrimmed and NULL (error 515): only the sources pass
            var (code, output, err) = Cli.Run("test", ws);
            Assert.True(code == 0, output + err);
            Assert.Contains("1 passed, 0 failed", output);
        }
        finally { Directory.Delete(ws, recursive: true); }
    }

    [Fact]
    public void Generate_writes_one_file_per_name()
    {
        var ws = Copy();
        try
        {
            File.Delete(Path.Combine(ws, "tests", "etl", "dbo.LoadCustomer.etltest.yaml"));
            var (code, output, err) = Cli.Run("generate", ws, "--no-mutants");
            Assert.True(code == 0, output + err);
            Assert.Single(output.Split('\n'), l => l.StartsWith("WROTE tests/etl/dbo.LoadCustomer.etltest.yaml", StringComparison.Ordinal));
            Assert.Single(output.Split('\n'), l => l.StartsWith("WROTE tests/etl/dbo.SegmentOf.etltest.yaml", StringComparison.Ordinal));
            // recorded from the sources: trimmed names and a Segment column
            var recorded = File.ReadAllText(Path.Combine(ws, "tests", "etl", "dbo.LoadCustomer.etltest.yaml"));
            Assert.Contains("Segment", recorded);
        }
        finally { Directory.Delete(ws, recursive: true); }
    }
}
