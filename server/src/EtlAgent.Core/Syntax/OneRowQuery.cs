using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Syntax;

/// <summary>
/// Queries that return at most one row by their own construction: no FROM, only aggregates without
/// GROUP BY, or `TOP (1)` / `TOP (0)` (without PERCENT or WITH TIES). A view or inline function whose
/// body is such a query gives at most one row wherever it is read.
/// </summary>
public static class OneRowQuery
{
    private static readonly HashSet<string> Aggregates = new(StringComparer.OrdinalIgnoreCase)
    {
        "COUNT", "COUNT_BIG", "SUM", "MIN", "MAX", "AVG", "STDEV", "STDEVP", "VAR", "VARP", "CHECKSUM_AGG", "STRING_AGG", "APPROX_COUNT_DISTINCT",
    };

    /// <summary>Whether <paramref name="query"/> (a single SELECT, through parentheses) returns at most one row.</summary>
    public static bool Is(QueryExpression? query)
    {
        while (query is QueryParenthesisExpression p) query = p.QueryExpression;
        if (query is not QuerySpecification spec) return false;
        if (spec.TopRowFilter is { Percent: false, WithTies: false, Expression: var e } && Integer(e) is 0 or 1) return true;
        return BySelectList(spec);
    }

    /// <summary>No FROM, or only constants and aggregates without GROUP BY: at most one row whatever the tables hold.</summary>
    public static bool BySelectList(QuerySpecification spec)
    {
        if (spec.FromClause is null) return true;
        if (spec.GroupByClause is not null || spec.SelectElements.Count == 0) return false;
        foreach (var element in spec.SelectElements)
        {
            var expr = element switch
            {
                SelectScalarExpression s => s.Expression,
                SelectSetVariable v => v.Expression,
                _ => null,
            };
            while (expr is ParenthesisExpression p) expr = p.Expression;
            if (expr is Literal) continue;
            if (expr is FunctionCall f && Aggregates.Contains(f.FunctionName?.Value ?? "") && f.OverClause is null) continue;
            return false;
        }
        return true;
    }

    private static long? Integer(ScalarExpression? e)
    {
        while (e is ParenthesisExpression p) e = p.Expression;
        return e is IntegerLiteral i && long.TryParse(i.Value, out var v) ? v : null;
    }
}
