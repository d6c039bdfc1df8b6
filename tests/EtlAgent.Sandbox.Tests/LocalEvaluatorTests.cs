using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox.DuckDb;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Sandbox.Tests;

/// <summary>
/// The evaluator of expressions over variables: what it computes without DuckDB, and what it
/// leaves to DuckDB (null in the table) because SQL Server's answer is an error, a truncation or
/// a conversion it does not model.
/// </summary>
public sealed class LocalEvaluatorTests
{
    private static readonly LocalEvaluator Evaluator = new(Variable);

    private static (object? Value, SqlType Type)? Variable(string name) => name switch
    {
        "@i" => (7, new SqlType("int")),
        "@d" => (new DateTime(2020, 1, 31), new SqlType("date")),
        "@s" => ("ab", new SqlType("varchar", 5)),
        "@u" => ("é", new SqlType("nvarchar", 5)),
        "@n" => (null, new SqlType("varchar", 5)),
        _ => null,
    };

    public static TheoryData<string, string, object?> Computed => new()
    {
        { "CAST(CAST(YEAR(@d) AS varchar(10)) + CAST(MONTH(@d) AS varchar(2)) AS int)", "int", 20201 },
        { "DATENAME(month, @d) + ' - ' + CAST(YEAR(@d) AS varchar(20))", "varchar(20)", "January - 2020" },
        { "LEFT(DATENAME(weekday, @d), 3)", "varchar(3)", "Fri" },
        { "RIGHT(YEAR(@d) + 1, 2)", "varchar(10)", "21" },
        { "CASE WHEN MONTH(@d) >= 4 THEN MONTH(@d) - 3 ELSE MONTH(@d) + 9 END", "varchar(20)", "10" },
        { "CASE WHEN @i > 5 THEN 'big' END", "varchar(5)", "big" },
        { "CASE WHEN @i > 50 THEN 'big' END", "varchar(5)", null },
        { "DATEADD(month, 1, @d)", "date", new DateTime(2020, 2, 29) },
        { "DATEADD(year, 1, DATEADD(m, 1, @d))", "date", new DateTime(2021, 2, 28) },
        { "CONVERT(char(8), @d, 112)", "int", 20200131 },
        { "CAST(@i AS char(3)) + '|'", "varchar(10)", "7  |" },
        { "@s + @n", "varchar(10)", null },
        { "@i", "varchar(1)", "7" },
        { "'42'", "int", 42 },
    };

    [Theory]
    [MemberData(nameof(Computed))]
    public void Computes_what_is_certain(string expression, string target, object? expected)
    {
        Assert.True(Evaluator.TryScalar(Parse(expression), Type(target), out var value), expression);
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("CAST(@i AS varchar(3)) + 'x'", "int")]          // 245
    [InlineData("DATENAME(month, @d)", "varchar(3)")]           // 2628
    [InlineData("CAST(12345 AS varchar(2))", "varchar(5)")]     // '*'
    [InlineData("@u", "varchar(5)")]                            // the code page
    [InlineData("CASE WHEN @i = 1 THEN 1 ELSE 'x' END", "int")] // typed by both branches
    [InlineData("' 42 '", "int")]                               // spaces: left to DuckDB
    [InlineData("LEFT(@s, -1)", "varchar(5)")]                  // 536
    [InlineData("DATEADD(month, 120000, @d)", "date")]          // 517
    [InlineData("DATEADD(day, 3000000, @d)", "date")]           // 517
    [InlineData("CASE WHEN @s = 'AB' THEN 1 ELSE 0 END", "int")] // a collation
    public void Leaves_the_rest_to_DuckDB(string expression, string target) =>
        Assert.False(Evaluator.TryScalar(Parse(expression), Type(target), out _), expression);

    private static SqlType Type(string text)
    {
        var open = text.IndexOf('(');
        return open < 0 ? new SqlType(text) : new SqlType(text[..open], int.Parse(text[(open + 1)..^1]));
    }

    private static ScalarExpression Parse(string tsql)
    {
        var e = new TSql170Parser(false).ParseExpression(new StringReader(tsql), out var errors);
        Assert.Empty(errors);
        return e;
    }
}
