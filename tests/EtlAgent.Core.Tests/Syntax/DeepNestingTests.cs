using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Syntax;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Syntax;

/// <summary>
/// Deeply nested input never ends the process (a stack overflow cannot be caught): too deep is a
/// diagnostic at the construct, deep but acceptable is analysed on a large stack.
/// </summary>
public class DeepNestingTests
{
    private static string Repeat(string s, int n) => string.Concat(Enumerable.Repeat(s, n));

    private static WorkspaceAnalysis Analyze(string text, bool retainSyntax = true) =>
        new WorkspaceAnalyzer(WorkspaceSettings.Default) { RetainSyntax = retainSyntax }
            .Analyze(new MemoryFileSource().Add("t.sql", "CREATE TABLE dbo.T (a int);\nGO\n").Add("deep.sql", text));

    [Theory]
    [InlineData("paren")]
    [InlineData("or")]
    [InlineData("plus")]
    [InlineData("case")]
    [InlineData("begin")]
    [InlineData("if")]
    [InlineData("union")]
    [InlineData("join")]
    public void Too_deep_is_one_diagnostic_at_the_construct(string shape)
    {
        int n = NestingGuard.MaxDepth + 100;
        var body = shape switch
        {
            "paren" => "SELECT " + Repeat("(", n) + "1" + Repeat(")", n) + ";",
            "or" => "SELECT a FROM dbo.T WHERE " + string.Join(" OR ", Enumerable.Range(0, 60_000).Select(i => $"a = {i}")) + ";",
            "plus" => "SELECT " + string.Join(" + ", Enumerable.Repeat("a", n)) + " FROM dbo.T;",
            "case" => "SELECT " + Repeat("CASE WHEN a = 1 THEN ", n) + "1" + Repeat(" END", n) + " FROM dbo.T;",
            "begin" => Repeat("BEGIN ", n) + "SELECT 1;" + Repeat(" END", n),
            "if" => Repeat("IF 1 = 1 ", n) + "SELECT 1;",
            "union" => string.Join(" UNION ALL ", Enumerable.Range(0, n).Select(i => $"SELECT {i}")) + ";",
            "join" => "SELECT 1 FROM dbo.T t0" + string.Concat(Enumerable.Range(1, n).Select(i => $" JOIN dbo.T t{i} ON 1 = 1")) + ";",
            _ => throw new ArgumentException(shape),
        };
        var text = "CREATE PROCEDURE dbo.D AS\n" + body;
        var analysis = Analyze(text);
        var finding = Assert.Single(analysis.Findings, f => f.RuleId == "ETL0000");
        Assert.Equal("deep.sql", finding.Location.File);
        Assert.Equal(1, finding.Location.Range.Start.Line); // the statement's line, not the file's first
        Assert.StartsWith("Nesting too deep", finding.Message);
        Assert.Empty(analysis.RuleFailures);
    }

    [Theory]
    [InlineData(3000)]
    public void Deep_but_under_the_limit_is_analysed(int depth)
    {
        foreach (var retain in new[] { true, false })
        {
            var analysis = Analyze("CREATE PROCEDURE dbo.D AS\nINSERT INTO dbo.T (a) SELECT " + Repeat("(", depth) + "1" + Repeat(")", depth) + ";", retain);
            Assert.DoesNotContain(analysis.Findings, f => f.RuleId == "ETL0000");
            Assert.NotNull(analysis.FindTransformation("dbo.D"));
            Assert.Empty(analysis.RuleFailures);
        }
    }

    [Fact]
    public void Long_code_people_write_is_not_refused()
    {
        // Sequential IFs, long ELSE IF chains, seed data, long IN lists and many statements are not nesting.
        var cases = new[]
        {
            Repeat("IF NOT EXISTS (SELECT 1 FROM dbo.T WHERE a = 1) INSERT INTO dbo.T (a) VALUES (1);\n", 6000),
            Repeat("IF @x = 1 BEGIN SELECT 1; END\n", 6000),
            "IF @x = 0 SELECT 0;\n" + string.Concat(Enumerable.Range(1, 1500).Select(i => $"ELSE IF @x = {i} SELECT {i};\n")),
            "INSERT INTO dbo.T (a) VALUES " + string.Join(", ", Enumerable.Range(0, 20_000).Select(i => $"({i})")) + ";",
            "SELECT a FROM dbo.T WHERE a IN (" + string.Join(", ", Enumerable.Range(0, 20_000)) + ");",
            Repeat("UPDATE dbo.T SET a = a + 1 - 2 * 3 WHERE a > 0 AND a < 10\n", 6000),
            "SELECT " + string.Join(" + ", Enumerable.Repeat("a", 1500)) + " FROM dbo.T;",
            "-- " + Repeat("(", 10_000) + "\n/* " + Repeat("CASE ", 10_000) + " */ SELECT '" + Repeat("(", 10_000) + "', [" + Repeat("(", 100) + "];",
        };
        foreach (var body in cases)
            Assert.Equal(-1, NestingGuard.FindTooDeep("CREATE PROCEDURE dbo.D @x int AS\n" + body));
    }

    [Fact]
    public void An_edit_that_makes_a_statement_too_deep_is_reported_by_the_full_parse()
    {
        var parser = new SqlParser();
        var before = parser.Parse("a.sql", "SELECT 1;\nSELECT 2;\n");
        var deeper = "SELECT 1;\nSELECT " + Repeat("(", NestingGuard.MaxDepth + 1) + "2" + Repeat(")", NestingGuard.MaxDepth + 1) + ";\n";
        Assert.Null(IncrementalReparser.TryReparse(before, deeper, SqlParser.DefaultCompatibilityLevel));
        Assert.Equal(NestingGuard.ErrorNumber, Assert.Single(parser.Parse("a.sql", deeper).Errors).Number);
    }

    [Fact]
    public void Deep_stack_runs_work_and_returns_its_exceptions()
    {
        Assert.Equal(42, DeepStack.Run(() => 42));
        Assert.Throws<InvalidOperationException>(() => DeepStack.Run(() => throw new InvalidOperationException("x")));
        var seen = new int[100];
        DeepStack.For(seen.Length, -1, i => seen[i]++);
        Assert.All(seen, s => Assert.Equal(1, s));
        Assert.Throws<OperationCanceledException>(() => DeepStack.For(10, 2, _ => { }, new CancellationToken(true)));
    }
}
