namespace EtlAgent.Cli.Tests;

/// <summary>`discover` and `run` on a workspace with tSQLt installed (tests/fixtures/tsqlt-workspace): its tests are counted, never targets.</summary>
public class TsqltCliTests
{
    private static string Copy() => TestPaths.CopyOfFixture("tsqlt-workspace");

    private const string Summary = "existing tSQLt tests: 3 in 3 classes (1 other test-class module, 4 tSQLt framework modules); none is a target for generated tests";

    [Fact]
    public void Discover_counts_the_tests_and_marks_each_module()
    {
        var ws = Copy();
        try
        {
            var (code, output, err) = Cli.Run("discover", ws, "--format", "text");
            Assert.True(code == 0, output + err);
            Assert.Contains(Summary, output);
            Assert.Contains("procedure OrderLoadTests.test LoadOrders copies a new order  (tests/OrderLoadTests/test LoadOrders copies a new order.sql:1)  [tSQLt test]", output.Replace('\\', '/'));
            Assert.Contains("procedure tSQLt.FakeTable  (Shared/Stored Procedures/FakeTable.sql:1)  [tSQLt framework]", output.Replace('\\', '/'));
            Assert.DoesNotContain("Dw.LoadOrders  (procs/LoadOrders.sql:1)  [", output.Replace('\\', '/'));
        }
        finally { Directory.Delete(ws, recursive: true); }
    }

    [Fact]
    public void Run_lists_only_warehouse_procedures_without_tests()
    {
        var ws = Copy();
        try
        {
            var (_, output, err) = Cli.Run("run", ws, "--no-generate", "--fail-on", "never");
            Assert.Contains(Summary, output);
            var untested = output.Split("Procedures without tests:")[1].Split("Tests:")[0];
            Assert.Contains("Dw.LoadOrders: no test file, and generation is off", untested);
            Assert.Contains("Etl.testHarnessLoad: no test file, and generation is off", untested);
            Assert.DoesNotContain("OrderLoadTests.", untested);
            Assert.DoesNotContain("tSQLt.", untested);
            Assert.DoesNotContain("Adhoc.", untested);
        }
        finally { Directory.Delete(ws, recursive: true); }
    }
}
