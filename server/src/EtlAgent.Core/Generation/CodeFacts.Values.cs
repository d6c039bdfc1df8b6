using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Generation;

/// <summary>Literals only a CASE tests, the values a values-only derived table stands for, and a value LIKE lets through (<see cref="CodeFacts"/>).</summary>
public sealed partial class CodeFacts
{
    /// <summary>
    /// Column and literal compared only inside CASE/IIF (WHEN ISNULL(u.[Code], '') = '' THEN …): a special value
    /// the code maps, which a base row must not hold, or no input takes the branch for ordinary values.
    /// </summary>
    public HashSet<(string Column, object Value)> CaseOnlyLiterals { get; } = new(new ColumnValueComparer());

    private sealed class ColumnValueComparer : IEqualityComparer<(string Column, object Value)>
    {
        public bool Equals((string Column, object Value) a, (string Column, object Value) b) =>
            StringComparer.OrdinalIgnoreCase.Equals(a.Column, b.Column) && Equals(a.Value, b.Value);

        public int GetHashCode((string Column, object Value) k) =>
            HashCode.Combine(StringComparer.OrdinalIgnoreCase.GetHashCode(k.Column), k.Value);
    }

    private sealed partial class Visitor
    {
        /// <summary>
        /// Derived tables that select only values (MERGE … USING (SELECT @eventId AS EventId) AS S): alias → column →
        /// the value, so ON T.EventId = S.EventId compares the target's column with the parameter itself.
        /// </summary>
        private readonly Dictionary<string, Dictionary<string, ScalarExpression>> _valueSources = new(StringComparer.OrdinalIgnoreCase);

        public override void ExplicitVisit(MergeSpecification node)
        {
            string? alias = null;
            if (node.TableReference is QueryDerivedTable { Alias: { } a, Columns.Count: 0, QueryExpression: QuerySpecification { FromClause: null, WhereClause: null } q })
            {
                var values = new Dictionary<string, ScalarExpression>(StringComparer.OrdinalIgnoreCase);
                foreach (var element in q.SelectElements)
                    if (element is SelectScalarExpression { ColumnName: { } name, Expression: var x } && Strip(x) is VariableReference or Literal)
                        values[name.Value] = Strip(x);
                if (values.Count > 0) _valueSources[alias = a.Value] = values;
            }
            try { base.ExplicitVisit(node); }
            finally { if (alias is not null) _valueSources.Remove(alias); }
        }

        /// <summary>The value a column of a values-only derived table stands for (<see cref="_valueSources"/>), the literal a constant function returns, else the expression itself.</summary>
        private ScalarExpression Valued(ScalarExpression e) =>
            e is ColumnReferenceExpression { MultiPartIdentifier: { Count: 2 } id } && _valueSources.TryGetValue(id.Identifiers[0].Value, out var values)
            && values.TryGetValue(id.Identifiers[1].Value, out var value) ? value : Constants.Of(e) ?? e;

        /// <summary>
        /// The column of UPPER(TRIM(c.[Status])) and the like (UPPER, LOWER, LTRIM, RTRIM, TRIM, nested): compared with a
        /// literal, the column holding that literal passes, since case and spaces are what the tidying takes away. Null
        /// for anything else.
        /// </summary>
        private static ScalarExpression? Tidied(ScalarExpression e)
        {
            if (e is not FunctionCall { Parameters: [var only] } f || f.FunctionName.Value.ToUpperInvariant() is not ("UPPER" or "LOWER" or "LTRIM" or "RTRIM" or "TRIM")) return null;
            var inner = Strip(only);
            return ColumnName(inner) is not null ? inner : Tidied(inner);
        }

        /// <summary>
        /// `s.[RunStateName] LIKE 'Sub-Pro%'`: a value the pattern lets through, compared as an equality, so the rows a
        /// lookup by pattern must find hold it (NOT LIKE and an ESCAPE clause are left alone).
        /// </summary>
        public override void Visit(LikePredicate node)
        {
            if (node.NotDefined || node.EscapeExpression is not null || Strip(node.FirstExpression) is not { } first || ColumnName(first) is not { } column) return;
            if (Strip(node.SecondExpression) is not StringLiteral { Value: var pattern } || LetThrough(pattern) is not { Length: > 0 } value) return;
            facts.ComparedColumns.Add(column);
            Compare(column, TableOf(first), new StringLiteral { Value = value }, "=");
        }

        /// <summary>The shortest text a LIKE pattern matches (% empty, _ one letter, [set] its first character); null for a pattern it cannot read.</summary>
        private static string? LetThrough(string pattern)
        {
            var text = new System.Text.StringBuilder();
            for (int i = 0; i < pattern.Length; i++)
            {
                switch (pattern[i])
                {
                    case '%': break;
                    case '_': text.Append('x'); break;
                    case '[':
                        int end = pattern.IndexOf(']', i + 1);
                        if (end < 0 || end == i + 1 || pattern[i + 1] == '^') return null;
                        text.Append(pattern[i + 1]);
                        i = end;
                        break;
                    default: text.Append(pattern[i]); break;
                }
            }
            return text.ToString();
        }

        /// <summary>Calls of constant scalar functions, read as the literal they return (<see cref="ConstantFunctions"/>).</summary>
        public ConstantFunctions Constants { get; init; } = ConstantFunctions.Of(Array.Empty<Lineage.TransformationAnalysis>());
    }
}
