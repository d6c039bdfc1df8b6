using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Rules;

/// <summary>
/// Seed data in deployment scripts: an INSERT ... VALUES of constants outside any procedure,
/// function or trigger (reference rows, lookup codes, an "unknown" member). It is written once
/// with the schema it belongs to, not a load, so the rules about loads leave it alone.
/// </summary>
internal static class SeedData
{
    public static bool IsSeedInsert(RuleContext context, InsertStatement insert)
    {
        if (insert.InsertSpecification?.InsertSource is not ValuesInsertSource { IsDefaultValues: false } values) return false;
        foreach (var row in values.RowValues)
            foreach (var value in row.ColumnValues)
                if (!IsConstant(value)) return false;
        return !InsideModule(context, insert);
    }

    private static bool InsideModule(RuleContext context, TSqlFragment node) =>
        SyntaxRuleHelpers.Innermost(context.Index.OfType<ProcedureStatementBody>(), node) is not null ||
        SyntaxRuleHelpers.Innermost(context.Index.OfType<FunctionStatementBody>(), node) is not null ||
        SyntaxRuleHelpers.Innermost(context.Index.OfType<TriggerStatementBody>(), node) is not null;

    /// <summary>Literals, NULL, and casts or built-in calls over them (GETDATE(), NEWID(), DATEFROMPARTS(2000, 1, 1)).</summary>
    private static bool IsConstant(ScalarExpression e) => e switch
    {
        Literal => true,
        UnaryExpression u => IsConstant(u.Expression),
        ParenthesisExpression p => IsConstant(p.Expression),
        BinaryExpression b => IsConstant(b.FirstExpression) && IsConstant(b.SecondExpression),
        CastCall c => IsConstant(c.Parameter),
        ConvertCall c => IsConstant(c.Parameter) && (c.Style is null || IsConstant(c.Style)),
        FunctionCall { CallTarget: null } f => f.Parameters.All(IsConstant),
        _ => false,
    };
}
