using EtlAgent.Core.Discovery;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Syntax;

namespace EtlAgent.Core.Tests.Generation;

/// <summary>
/// A procedure that writes no table but returns rows is a default generation target (its cases
/// expect the rows); one that neither writes nor returns rows is not, and says why.
/// </summary>
public sealed class ReadOnlyProcedureTests
{
    private static bool Returns(string body)
    {
        var doc = new SqlParser().Parse("p.sql", $"CREATE PROCEDURE Report.P AS\nBEGIN\n{body}\nEND");
        return ResultSetStatements.Any(DocumentScanner.Scan(doc).Transformations.Single().Body);
    }

    [Theory]
    [InlineData("SELECT 1 AS x;", true)]
    [InlineData("WITH c AS (SELECT 1 AS x) SELECT x FROM c;", true)]
    [InlineData("IF 1 = 1 SELECT a FROM T; ELSE RETURN;", true)]
    [InlineData("SELECT a FROM T UNION ALL SELECT b FROM U;", true)]
    [InlineData("DECLARE @n int; SELECT @n = COUNT(*) FROM T;", false)]
    [InlineData("SELECT a INTO #t FROM T;", false)]
    [InlineData("INSERT INTO T (a) SELECT a FROM U;", false)]
    [InlineData("DECLARE @n int; SET @n = (SELECT COUNT(*) FROM T); IF EXISTS (SELECT 1 FROM T) PRINT 'x';", false)]
    [InlineData("DECLARE c CURSOR FOR SELECT a FROM T; OPEN c; CLOSE c; DEALLOCATE c;", false)]
    public void A_body_returns_rows_when_it_has_a_SELECT_that_is_neither_an_assignment_nor_an_INTO(string body, bool returns) =>
        Assert.Equal(returns, Returns(body));

    [Fact]
    public void The_default_targets_are_procedures_that_write_tables_or_return_rows()
    {
        var files = FixtureGeneration.Load("generation-honesty");
        var analysis = new EtlAgent.Core.WorkspaceModel.WorkspaceAnalyzer(EtlAgent.Core.Workspace.WorkspaceSettings.Load(files)) { RetainSyntax = true }.Analyze(files);
        EtlAgent.Core.Model.Transformation Find(string n) => analysis.FindTransformation(n)!.Transformation;
        EtlAgent.Core.Model.Transformation? Lookup(string n) => analysis.FindTransformation(n)?.Transformation;
        Assert.True(DefaultTargets.Includes(Find("Report.CountCustomers"), Lookup));
        Assert.True(DefaultTargets.IsReadOnly(Find("Report.CountCustomers")));
        Assert.False(DefaultTargets.Includes(Find("Report.CheckCustomers"), Lookup));
        Assert.True(DefaultTargets.Includes(Find("Dim.LoadCustomer"), Lookup));
        Assert.False(DefaultTargets.IsReadOnly(Find("Dim.LoadCustomer")));
    }
}
