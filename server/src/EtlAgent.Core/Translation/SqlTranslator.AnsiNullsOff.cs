using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Translation;

/// <summary>
/// SET ANSI_NULLS OFF (legacy code still sets it inside procedures): = and &lt;&gt; treat NULL as a
/// value when one operand is a variable that is NULL or a literal NULL. Comparisons of columns or
/// compound expressions keep ANSI semantics, so only such operands switch a comparison over
/// (SET ANSI_NULLS (Transact-SQL), Remarks).
/// </summary>
public sealed partial class SqlTranslator
{
    /// <summary>An operand the setting applies to: a literal NULL or a variable (whose value decides at run time).</summary>
    private static bool IsNullOperand(ScalarExpression e) => e switch
    {
        ParenthesisExpression p => IsNullOperand(p.Expression),
        NullLiteral => true,
        VariableReference => true,
        _ => false,
    };

    /// <summary>
    /// `a = b` / `a &lt;&gt; b` where a or b is a NULL-able operand: when such an operand is NULL the
    /// result is TRUE or FALSE (NULL = NULL is TRUE, 1 = NULL is FALSE, 1 &lt;&gt; NULL is TRUE), otherwise the
    /// ordinary comparison.
    /// </summary>
    private string ComparisonWithNullsAsValues(ScalarExpression first, ScalarExpression second, string op, Scope scope, TSqlFragment at)
    {
        var l = Expr(first, scope);
        var r = Expr(second, scope);
        var switches = new List<string>();
        if (IsNullOperand(first)) switches.Add($"({l.Sql}) IS NULL");
        if (IsNullOperand(second)) switches.Add($"({r.Sql}) IS NULL");
        var bothNull = $"(({l.Sql}) IS NULL AND ({r.Sql}) IS NULL)";
        var asValues = op == "=" ? bothNull : $"(NOT {bothNull})";
        return $"(CASE WHEN {string.Join(" OR ", switches)} THEN {asValues} ELSE {Compare(l, r, op, at)} END)";
    }

    /// <summary>IN under ANSI_NULLS OFF: the = comparisons it stands for, each with NULL as a value where the setting applies.</summary>
    private string InWithNullsAsValues(InPredicate ip, Scope scope)
    {
        if (ip.Subquery is not null)
            throw Unsupported("IN (subquery) on a variable under SET ANSI_NULLS OFF", ip, "only comparisons with a value list are implemented for ANSI_NULLS OFF");
        var anyEqual = string.Join(" OR ", ip.Values.Select(v =>
            IsNullOperand(ip.Expression) || IsNullOperand(v)
                ? ComparisonWithNullsAsValues(ip.Expression, v, "=", scope, ip)
                : Compare(Expr(ip.Expression, scope), Expr(v, scope), "=", ip)));
        return ip.NotDefined ? $"(NOT ({anyEqual}))" : $"({anyEqual})";
    }
}
