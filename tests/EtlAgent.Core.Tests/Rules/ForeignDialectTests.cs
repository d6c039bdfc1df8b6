using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;

namespace EtlAgent.Core.Tests.Rules;

/// <summary>Another dialect's script is not parsed: one information finding, no syntax error, nothing else from any rule.</summary>
public class ForeignDialectTests
{
    [Fact]
    public void A_postgresql_script_gets_one_information_finding_and_nothing_else()
    {
        var sql = File.ReadAllText(Path.Combine(TestPaths.Fixture("rules"), "ETL0000", "postgresql-script.sql"));
        var finding = Assert.Single(RuleHarness.Check(sql));
        Assert.Equal(("ETL0000", Severity.Information), (finding.RuleId, finding.Severity));
        Assert.StartsWith(@"Not T-SQL: the psql meta-command \connect at the start of a line", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_code_generation_template_gets_one_information_finding_and_nothing_else()
    {
        var sql = File.ReadAllText(Path.Combine(TestPaths.Fixture("rules"), "ETL0000", "code-generation-template.sql"));
        var finding = Assert.Single(RuleHarness.Check(sql));
        Assert.Equal(("ETL0000", Severity.Information), (finding.RuleId, finding.Severity));
        Assert.StartsWith("Not T-SQL: the placeholder ${temp_table}, so this is a code-generation template", finding.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$;", "$$")]
    [InlineData("SELECT * FROM dbo.stage_${table};", "${table}")]
    [InlineData("CREATE FUNCTION f() RETURNS void AS 'BEGIN END' LANGUAGE plpgsql;", "LANGUAGE plpgsql")]
    [InlineData("create or replace view v as select 1 as x;", "create or replace")]
    [InlineData("SELECT 1;\n  \\set ON_ERROR_STOP on", "\\set")]
    public void Each_construct_gives_the_file_away(string text, string construct)
    {
        var found = ForeignDialect.Detect(text);
        Assert.NotNull(found);
        Assert.Equal(construct, text.Substring(found.Value.Offset, found.Value.Length));
    }

    [Theory]
    [InlineData("SELECT 'a\n\\c b';")]
    [InlineData("SELECT 1 AS [x\n\\c];")]
    [InlineData("SELECT $1.50 AS Price, N'$$' AS Text;")]
    [InlineData("CREATE OR ALTER VIEW v AS SELECT 1 AS x;")]
    [InlineData("SET LANGUAGE us_english;")]
    [InlineData("SELECT @a$$b = 1; -- CREATE OR REPLACE")]
    [InlineData("INSERT INTO t SELECT $(Env) + '\\c';")]
    [InlineData("SELECT '${table}' AS Template, 1 AS [${x}]; -- ${comment}")]
    public void T_sql_is_never_taken_for_another_dialect(string text) => Assert.Null(ForeignDialect.Detect(text));
}
