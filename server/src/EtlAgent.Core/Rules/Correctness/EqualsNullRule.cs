using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>`x = NULL` is never true (ANSI_NULLS ON): the filter silently drops every row.</summary>
public sealed class EqualsNullRule : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        "ETL0007", "equals-null", "Comparison with NULL using = or <>", Severity.Error, "Correctness",
        new RuleDoc(
            "With ANSI_NULLS ON (the default, and required for indexed views and filtered indexes), `= NULL` and `<> NULL` evaluate to UNKNOWN for every row, so a WHERE or JOIN using them keeps nothing. Use IS NULL / IS NOT NULL.",
            Bad: "UPDATE Dim.Customer SET [Is Current] = 0 WHERE [Valid To] = NULL;\nDELETE FROM Staging.Customer WHERE [Customer Code] <> NULL;",
            Good: "UPDATE Dim.Customer SET [Is Current] = 0 WHERE [Valid To] IS NULL;\nDELETE FROM Staging.Customer WHERE [Customer Code] IS NOT NULL;"));

    public override void Check(RuleContext context)
    {
        foreach (var c in context.Index.OfType<BooleanComparisonExpression>())
        {
            bool equals = c.ComparisonType == BooleanComparisonType.Equals;
            bool notEquals = c.ComparisonType is BooleanComparisonType.NotEqualToBrackets or BooleanComparisonType.NotEqualToExclamation;
            if (!equals && !notEquals) continue;

            ScalarExpression? other = IsNull(c.SecondExpression) ? c.FirstExpression : IsNull(c.FirstExpression) ? c.SecondExpression : null;
            if (other is null || IsNull(other)) continue;

            var replacement = $"{context.TextOf(other)} {(equals ? "IS NULL" : "IS NOT NULL")}";
            context.Report(c,
                $"'{context.TextOf(c)}' is never true: comparing with NULL yields UNKNOWN. Use '{replacement}'.",
                new[] { context.Fix($"Replace with {(equals ? "IS NULL" : "IS NOT NULL")}", context.Replace(c, replacement)) });
        }
    }

    private static bool IsNull(ScalarExpression e) => e is NullLiteral || e is ParenthesisExpression { Expression: NullLiteral };
}
