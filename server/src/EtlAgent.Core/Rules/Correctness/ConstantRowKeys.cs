using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>
/// Keys of a seed list written as `SELECT 1, 'a' UNION ALL SELECT 2, 'b'`: the columns (and pairs of
/// columns) whose literal values differ on every row, which make a MERGE source unique as a key would.
/// </summary>
internal static class ConstantRowKeys
{
    /// <summary>The rows of a UNION [ALL] of FROM-less SELECTs, each a list of its values; null for any other query.</summary>
    public static List<IList<ScalarExpression>>? Rows(QueryExpression q)
    {
        var rows = new List<IList<ScalarExpression>>();
        bool Collect(QueryExpression e)
        {
            switch (e)
            {
                case QueryParenthesisExpression p: return Collect(p.QueryExpression);
                case BinaryQueryExpression { BinaryQueryExpressionType: BinaryQueryExpressionType.Union } u: return Collect(u.FirstQueryExpression) && Collect(u.SecondQueryExpression);
                case QuerySpecification { FromClause: null, WhereClause: null } spec:
                    var values = new List<ScalarExpression>();
                    foreach (var element in spec.SelectElements)
                    {
                        if (element is not SelectScalarExpression { Expression: { } v }) return false;
                        values.Add(v);
                    }
                    rows.Add(values);
                    return true;
                default: return false;
            }
        }
        return Collect(q) ? rows : null;
    }

    /// <summary>Single columns and pairs of columns whose literal values differ on every row.</summary>
    public static IEnumerable<HashSet<int>> Distinct(List<IList<ScalarExpression>> rows, int width, Func<ScalarExpression, string?> literalKey)
    {
        bool Distinct(params int[] columns)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var row in rows)
            {
                var parts = new List<string>(columns.Length);
                foreach (var c in columns)
                {
                    if (c >= row.Count || literalKey(row[c]) is not { } key) return false;
                    parts.Add(key);
                }
                if (!seen.Add(string.Join("\u0001", parts))) return false;
            }
            return true;
        }
        for (int a = 0; a < width; a++)
        {
            if (Distinct(a)) yield return new HashSet<int> { a };
            for (int b = a + 1; b < width; b++)
                if (Distinct(a, b)) yield return new HashSet<int> { a, b };
        }
    }
}
