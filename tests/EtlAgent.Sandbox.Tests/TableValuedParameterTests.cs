using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.DuckDb;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Sandbox.Tests;

/// <summary>
/// A test file passes a table-valued parameter as rows in `call:` (Etl.ReprocessLineage takes
/// @LineageKeys Etl.KeyList READONLY); the rows are typed by the table type and reach the procedure.
/// </summary>
public sealed class TableValuedParameterTests
{
    private static readonly Lazy<WorkspaceAnalysis> Warehouse = new(() =>
    {
        var files = new PhysicalFileSource(Harness.Fixture("warehouse"));
        return new WorkspaceAnalyzer(WorkspaceSettings.Load(files)) { RetainSyntax = true, MaxDegreeOfParallelism = 1 }.Analyze(files);
    });

    private const string Reprocess = """
        transformation: Etl.ReprocessLineage
        cases:
        - name: "the second load is reprocessed"
          clock: "2016-06-02T08:00:00"
          given:
            Integration.Lineage:
            - {"Table Name": "Sale", "Data Load Started": "2016-05-01T00:00:00", "Data Load Completed": "2016-05-01T01:00:00", "Cutoff Time": "2016-05-01T00:00:00", "Was Successful": true}
            - {"Table Name": "Sale", "Data Load Started": "2016-05-02T00:00:00", "Data Load Completed": "2016-05-02T01:00:00", "Cutoff Time": "2016-05-02T00:00:00", "Was Successful": true}
          call: {"@LineageKeys": [{"Key": 2}]}
          expect:
            Integration.Lineage:
              columns: ["Lineage Key", "Was Successful"]
              rows:
              - {"Lineage Key": 1, "Was Successful": true}
              - {"Lineage Key": 2, "Was Successful": false}
        - name: "no keys: nothing changes"
          clock: "2016-06-02T08:00:00"
          given:
            Integration.Lineage:
            - {"Table Name": "Sale", "Data Load Started": "2016-05-01T00:00:00", "Data Load Completed": "2016-05-01T01:00:00", "Cutoff Time": "2016-05-01T00:00:00", "Was Successful": true}
          call: {"@LineageKeys": []}
          expect:
            Integration.Lineage:
              columns: ["Lineage Key", "Was Successful"]
              rows:
              - {"Lineage Key": 1, "Was Successful": true}
        """;

    private static TestFile Load(string yaml)
    {
        var loaded = new TestFileLoader(Warehouse.Value).Load("tests/etl/Etl.ReprocessLineage.etltest.yaml", yaml);
        Assert.True(loaded.Success, string.Join("\n", loaded.Errors));
        return loaded.File!;
    }

    [Fact]
    public async Task Rows_in_call_fill_the_table_valued_parameter_and_survive_a_rewrite()
    {
        var file = Load(Reprocess);
        var keys = Assert.IsAssignableFrom<IEnumerable<SandboxRow>>(file.Cases[0].Call.Single().Value);
        Assert.Equal(2L, Convert.ToInt64(Assert.Single(keys)["Key"]));

        var written = TestFileWriter.Write(file, Warehouse.Value.Catalog);
        Assert.Contains("call: {\"@LineageKeys\": [{\"Key\": 2}]}", written);
        Assert.Contains("call: {\"@LineageKeys\": []}", written);

        var run = await new TestRunner(Warehouse.Value, s => new DuckDbSandboxFactory(s)).RunAsync(new[] { Load(written) });
        Assert.True(run.Success, string.Join("\n", run.Cases.SelectMany(c => c.Failures.Select(f => c.FullName + ": " + f.Summary))));
        Assert.Equal(2, run.Passed);
    }

    [Fact]
    public void A_row_with_a_column_the_table_type_lacks_is_refused()
    {
        var loaded = new TestFileLoader(Warehouse.Value).Load("t.etltest.yaml", Reprocess.Replace("[{\"Key\": 2}]", "[{\"Lineage Key\": 2}]"));
        Assert.False(loaded.Success);
        Assert.Contains(loaded.Errors, e => e.ToString().Contains("Lineage Key"));
    }
}
