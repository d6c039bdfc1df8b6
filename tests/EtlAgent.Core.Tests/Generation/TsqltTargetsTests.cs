using EtlAgent.Core.Discovery;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Model;
using EtlAgent.Core.Reporting;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Tests.Generation;

/// <summary>
/// tSQLt installed into a workspace (tests/fixtures/tsqlt-workspace): its framework, its test
/// classes and their tests are recognised as test code, listed, and never targets for generated tests.
/// </summary>
public class TsqltTargetsTests
{
    private static WorkspaceAnalysis Analyze()
    {
        var files = new PhysicalFileSource(TestPaths.Fixture("tsqlt-workspace"));
        return new WorkspaceAnalyzer(WorkspaceSettings.Load(files)).Analyze(files);
    }

    [Fact]
    public void Framework_test_classes_and_their_tests_get_their_roles()
    {
        var analysis = Analyze();
        TsqltRole Role(string name) => analysis.FindTransformation(name)?.Transformation.Tsqlt ?? throw new Xunit.Sdk.XunitException($"{name} not discovered");

        Assert.Equal(TsqltRole.Framework, Role("tSQLt.FakeTable"));
        Assert.Equal(TsqltRole.Framework, Role("tSQLt.Fail"));
        Assert.Equal(TsqltRole.Framework, Role("tSQLt.TestClasses"));
        // marked by the extended property, by NewTestClass, and by a test… that calls tSQLt
        Assert.Equal(TsqltRole.Test, Role("OrderLoadTests.test LoadOrders copies a new order"));
        Assert.Equal(TsqltRole.Test, Role("SchemaChecks.test tables have a primary key"));
        Assert.Equal(TsqltRole.Test, Role("Adhoc.test reload keeps one row.v2"));
        Assert.Equal(TsqltRole.TestClassCode, Role("OrderLoadTests.SetUp"));
        // named test…, but neither in a class nor calling tSQLt: warehouse code
        Assert.Equal(TsqltRole.None, Role("Etl.testHarnessLoad"));
        Assert.Equal(TsqltRole.None, Role("Dw.LoadOrders"));
        Assert.Equal(new[] { "Adhoc", "OrderLoadTests", "SchemaChecks" }, analysis.Tsqlt.Classes.OrderBy(c => c, StringComparer.Ordinal));
    }

    [Fact]
    public void Only_warehouse_procedures_are_default_targets()
    {
        var analysis = Analyze();
        Transformation? Find(string n) => analysis.FindTransformation(n)?.Transformation;
        var targets = analysis.Transformations.Select(t => t.Transformation).Where(t => DefaultTargets.Includes(t, Find)).Select(t => t.Name).ToList();
        Assert.Equal(new[] { "Dw.LoadOrders", "Etl.testHarnessLoad" }, targets);
        // without the recogniser the tests, SetUp and the framework would be targets: they write tables or return rows
        Assert.All(new[] { "OrderLoadTests.SetUp", "OrderLoadTests.test LoadOrders copies a new order", "tSQLt.FakeTable", "SchemaChecks.test tables have a primary key" },
            n => Assert.True(Find(n)!.Writes.Count > 0 || Find(n)!.ReturnsRows, n));
    }

    [Fact]
    public void Discovery_says_how_many_tests_in_how_many_classes_and_marks_each_module()
    {
        var analysis = Analyze();
        Assert.Equal("existing tSQLt tests: 3 in 3 classes (1 other test-class module, 4 tSQLt framework modules); none is a target for generated tests",
            analysis.Tsqlt.Summary());
        var json = DiscoveryReport.ToJson(analysis)["transformations"]!.AsArray();
        string? Mark(string name) => json.Single(t => (string?)t!["name"] == name)!["tsqlt"]?.GetValue<string>();
        Assert.Equal("test", Mark("OrderLoadTests.test LoadOrders copies a new order"));
        Assert.Equal("test-class", Mark("OrderLoadTests.SetUp"));
        Assert.Equal("framework", Mark("tSQLt.TestClasses"));
        Assert.Null(Mark("Dw.LoadOrders"));
    }

    [Fact]
    public void A_workspace_without_tsqlt_has_no_summary_and_no_marks()
    {
        var files = new PhysicalFileSource(TestPaths.Fixture("generation-inputs"));
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Load(files)).Analyze(files);
        Assert.Null(analysis.Tsqlt.Summary());
        Assert.All(analysis.Transformations, t => Assert.Equal(TsqltRole.None, t.Transformation.Tsqlt));
    }

    [Theory]
    [InlineData("EXEC tSQLt.NewTestClass 'Loads';", "Loads")]
    [InlineData("EXEC [tSQLt].[NewTestClass] @ClassName = N'[Dim Tests]';", "Dim Tests")]
    [InlineData("EXECUTE sp_addextendedproperty @name = N'tSQLt.TestClass', @value = 1, @level0type = N'SCHEMA', @level0name = N'Facts';", "Facts")]
    [InlineData("EXEC sys.sp_addextendedproperty N'tSQLt.TestClass', 1, N'SCHEMA', N'Stage-Tests';", "Stage-Tests")]
    [InlineData("EXEC sp_addextendedproperty @name = N'MS_Description', @value = N'x', @level0type = N'SCHEMA', @level0name = N'Facts';", null)]
    [InlineData("EXEC Etl.NewTestClass 'Loads';", null)]
    [InlineData("EXEC tSQLt.NewTestClass @ClassName = @name;", null)]
    public void Test_class_marks_are_read_from_exec_statements(string sql, string? expected)
    {
        var script = (TSqlScript)new TSql160Parser(true).Parse(new StringReader(sql), out var errors);
        Assert.Empty(errors);
        var exec = (ExecuteStatement)script.Batches[0].Statements[0];
        Assert.Equal(expected, TsqltCode.TestClassMarkedBy(exec));
    }
}
