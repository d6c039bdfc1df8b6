using EtlAgent.Core.Generation;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Tests.Generation;

/// <summary>The literal a constant scalar function's RETURN stands for (ConstantFunctions.Fold).</summary>
public class ConstantFunctionTests
{
    private static string? Folded(string expression)
    {
        var parser = new TSql170Parser(initialQuotedIdentifiers: true);
        var e = parser.ParseExpression(new StringReader(expression), out var errors);
        Assert.Empty(errors);
        return ConstantFunctions.Fold(e) switch
        {
            StringLiteral s => "'" + s.Value + "'",
            Literal l => l.Value,
            _ => null,
        };
    }

    [Theory]
    [InlineData("DATEFROMPARTS(2100, 01, 01)", "'2100-01-01'")]
    [InlineData("(DATETIMEFROMPARTS(9999, 12, 31, 23, 59, 59, 0))", "'9999-12-31T23:59:59'")]
    [InlineData("CAST('99991231' AS date)", "'9999-12-31'")]
    [InlineData("CONVERT(datetime2, '9999-12-31 23:59:59.9999999')", "'9999-12-31T23:59:59.9999999'")]
    [InlineData("CAST(0 AS int)", "0")]
    [InlineData("N'n/a'", "'n/a'")]
    public void A_constant_expression_folds_to_one_literal(string expression, string expected) =>
        Assert.Equal(expected, Folded(expression));

    [Theory]
    [InlineData("GETDATE()")]
    [InlineData("DATEFROMPARTS(2100, 13, 1)")]
    [InlineData("DATEFROMPARTS(@Year, 1, 1)")]
    [InlineData("CONVERT(datetime, '01/02/2100', 103)")]
    [InlineData("CAST('not a date' AS date)")]
    public void Anything_else_does_not_fold(string expression) => Assert.Null(Folded(expression));
}
