using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.DuckDb;
using EtlAgent.Core.Syntax;
using EtlAgent.Core.Translation;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Sandbox.Tests;

/// <summary>The translator as a table: T-SQL in, DuckDB out — or the construct it refuses, and where.</summary>
public sealed class TranslatorTests
{
    private static SqlTranslator Translator(SqlDocument? doc = null) => new(new TranslationEnv
    {
        Catalog = SchemaCatalog.Empty,
        Document = doc,
        Clock = new DateTime(2016, 6, 2, 8, 0, 0),
        Variable = n => n switch
        {
            "@i" => new VariableInfo(new SqlType("int"), 7),
            "@s" => new VariableInfo(new SqlType("nvarchar", 10), "ab"),
            _ => null,
        },
    });

    public static TheoryData<string, string> Expressions => new()
    {
        { "7 / 2", "tsql_idiv(7, 2)" },
        { "7.0 / 2", "CAST(tsql_div(CAST(CAST(7.0 AS DECIMAL(2,1)) AS DOUBLE), 2) AS DECIMAL(38,12))" },
        { "'a' + 'b'", "('a' || 'b')" },
        { "@s + N'x'", "(CAST('ab' AS VARCHAR) || 'x')" },
        { "@i % 3", "tsql_mod(CAST(7 AS INTEGER), 3)" },
        { "LEN(@s)", "CAST(length(rtrim(CAST('ab' AS VARCHAR))) AS INTEGER)" },
        { "CAST(2.5 AS int)", "CAST(trunc(CAST(2.5 AS DECIMAL(2,1))) AS INTEGER)" },
        { "CAST(@s AS varchar(1))", "left(CAST('ab' AS VARCHAR), 1)" },
        { "ISNULL(@s, 'zzzzzzzzzzzzzzz')", "coalesce(CAST('ab' AS VARCHAR), left('zzzzzzzzzzzzzzz', 10))" },
        { "DATEDIFF(WEEK, '2016-01-02', '2016-01-03')", "CAST(tsql_weekdiff(CAST(TIMESTAMP '2016-01-02 00:00:00.000000' AS TIMESTAMP), CAST(TIMESTAMP '2016-01-03 00:00:00.000000' AS TIMESTAMP)) AS INTEGER)" },
        { "GETDATE()", "CAST(TIMESTAMP '2016-06-02 08:00:00.000000' AS TIMESTAMP)" },
        { "IIF(@i > 1, 1, 0)", "CASE WHEN (CAST(7 AS INTEGER) > 1) THEN 1 ELSE 0 END" },
    };

    [Theory]
    [MemberData(nameof(Expressions))]
    public void Translates_expressions(string tsql, string duck)
    {
        var e = new TSql170Parser(false).ParseExpression(new StringReader(tsql), out var errors);
        Assert.Empty(errors);
        Assert.Equal(duck, Translator().Expr(e, new Scope(null)).Sql);
    }

    public static TheoryData<string, string> Predicates => new()
    {
        { "@s = 'AB '", "(rtrim(CAST('ab' AS VARCHAR)) = rtrim('AB '))" },
        { "@s LIKE '[a-c]%'", "(regexp_full_match(CAST('ab' AS VARCHAR), '[a-c].*', 'is'))" },
        { "@s LIKE 'a%'", "(CAST('ab' AS VARCHAR) ILIKE 'a%')" },
        { "@i BETWEEN 1 AND 9", "((CAST(7 AS INTEGER) >= 1) AND (CAST(7 AS INTEGER) <= 9))" },
    };

    [Theory]
    [MemberData(nameof(Predicates))]
    public void Translates_predicates(string tsql, string duck)
    {
        var e = new TSql170Parser(false).ParseBooleanExpression(new StringReader(tsql), out var errors);
        Assert.Empty(errors);
        Assert.Equal(duck, Translator().Bool(e, new Scope(null)));
    }

    public static TheoryData<string, string, int, int> Unsupported => new()
    {
        { "SELECT 1\nFROM OPENROWSET(BULK 'x', SINGLE_CLOB) AS b;", "BulkOpenRowset", 2, 6 },
        { "SELECT x.value('a', 'int')\nFROM (SELECT 1 AS x) t;", "xml method value()", 1, 8 },
        { "SELECT 1 FOR XML PATH('');", "FOR XML/JSON", 1, 10 },
        { "SELECT\n  CHECKSUM(1);", "function CHECKSUM", 2, 3 },
        { "SELECT FORMAT(1, 'C', 'de-DE');", "FORMAT of a number with culture 'de-DE'", 1, 8 },
        { "SELECT * FROM srv.db.dbo.t;", "cross-database reference to db.dbo.t", 1, 15 },
        { "SELECT * FROM master.sys.tables;", "cross-database reference to master.sys.tables", 1, 15 },
    };

    [Fact]
    public void A_linked_server_table_nothing_shapes_is_refused_at_its_name()
    {
        var doc = new SqlParser().Parse("q.sql", "UPDATE srv.db.dbo.t SET a = 1;");
        Assert.Empty(doc.Errors);
        var update = (UpdateStatement)doc.Script!.Batches[0].Statements[0];
        var e = Assert.Throws<UnsupportedConstructException>(() => Translator(doc).Update(update));
        Assert.StartsWith("cross-database reference to db.dbo.t", e.Construct);
        Assert.Equal((1, 8), (e.Location!.Range.Start.Line + 1, e.Location.Range.Start.Character + 1));
    }

    [Theory]
    [MemberData(nameof(Unsupported))]
    public void Refuses_what_it_cannot_translate_with_construct_and_location(string tsql, string construct, int line, int column)
    {
        var doc = new SqlParser().Parse("q.sql", tsql);
        Assert.Empty(doc.Errors);
        var select = (SelectStatement)doc.Script!.Batches[0].Statements[0];
        var e = Assert.Throws<UnsupportedConstructException>(() => Translator(doc).Select(select, out _));
        Assert.StartsWith(construct, e.Construct);
        Assert.Equal("q.sql", e.Location!.File);
        Assert.Equal((line, column), (e.Location.Range.Start.Line + 1, e.Location.Range.Start.Character + 1));
    }

    [Fact]
    public async Task Unsupported_statements_in_a_procedure_name_file_line_and_column()
    {
        await using var s = (DuckDbSandbox)await Harness.Conformance.CreateAsync();
        var e = await Assert.ThrowsAsync<UnsupportedConstructException>(() => s.ExecuteSqlAsync("SELECT 1;\nBEGIN TRAN;\n  USE master;"));
        Assert.Equal("(sql)", e.Location!.File);
        Assert.Equal(3, e.Location.Range.Start.Line + 1);
        Assert.Equal(3, e.Location.Range.Start.Character + 1);
    }
}
