using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Translation.SqlText;

namespace EtlAgent.Core.Translation;

/// <summary>
/// An outer join whose ON holds a subquery (<c>LEFT JOIN p ON EXISTS (SELECT … WHERE … = p.id)</c>):
/// DuckDB runs a correlated subquery only in an inner join's condition. A LEFT join is rewritten
/// into the lateral form it stands for, <c>LEFT JOIN LATERAL (SELECT p.* FROM p WHERE on) AS p ON TRUE</c>:
/// for each left row the right rows that satisfy the condition, one output row per such right row,
/// and the left row once with NULLs when there is none (FROM clause, Transact-SQL: LEFT OUTER JOIN).
/// A RIGHT or FULL join, or a right side of several tables, has no such form: a correlated
/// subquery there is refused at the join instead of failing in the engine.
/// </summary>
public sealed partial class SqlTranslator
{
    /// <summary>The join as DuckDB runs it, or null when the plain translation does.</summary>
    private string? OuterJoinWithSubquery(QualifiedJoin j, string left, string right, IReadOnlyList<SourceShape> rightSources, IReadOnlyList<SourceShape> joined, Scope scope)
    {
        if (j.QualifiedJoinType == QualifiedJoinType.Inner || !SubqueryFinder.Any(j.SearchCondition)) return null;
        if (j.QualifiedJoinType == QualifiedJoinType.LeftOuter && rightSources.Count == 1)
        {
            string alias = Id(rightSources[0].Exposed);
            return $"{left} LEFT JOIN LATERAL (SELECT {alias}.* FROM {right} WHERE {Bool(j.SearchCondition, scope)}) AS {alias} ON true";
        }
        if (!SubqueryFinder.Correlated(j.SearchCondition, joined.Select(s => s.Exposed))) return null;
        string kind = j.QualifiedJoinType switch
        {
            QualifiedJoinType.LeftOuter => "LEFT JOIN to a parenthesised join",
            QualifiedJoinType.RightOuter => "RIGHT JOIN",
            _ => "FULL JOIN",
        };
        throw Unsupported($"subquery reading the joined tables in the ON of a {kind}", j.SearchCondition,
            "the sandbox runs such a subquery in the ON of an inner join or of a LEFT JOIN to one table, view or derived table");
    }

    /// <summary>Finds the subqueries of a join condition and the columns they read.</summary>
    private sealed class SubqueryFinder : TSqlFragmentVisitor
    {
        private readonly List<ScalarSubquery> _found = new();

        public override void ExplicitVisit(ScalarSubquery node) => _found.Add(node);

        public static bool Any(BooleanExpression on)
        {
            var f = new SubqueryFinder();
            on.Accept(f);
            return f._found.Count > 0;
        }

        /// <summary>
        /// Whether a subquery reads a column qualified by one of the join's sources that it does not
        /// name itself (an unqualified outer column is not seen: the engine still refuses that one).
        /// </summary>
        public static bool Correlated(BooleanExpression on, IEnumerable<string> exposed)
        {
            var outer = new HashSet<string>(exposed, StringComparer.OrdinalIgnoreCase);
            var f = new SubqueryFinder();
            on.Accept(f);
            foreach (var sub in f._found)
            {
                var names = new NameCollector();
                sub.Accept(names);
                if (names.Qualifiers.Any(q => outer.Contains(q) && !names.Defined.Contains(q))) return true;
            }
            return false;
        }
    }

    private sealed class NameCollector : TSqlFragmentVisitor
    {
        public HashSet<string> Qualifiers { get; } = new(StringComparer.OrdinalIgnoreCase);
        public HashSet<string> Defined { get; } = new(StringComparer.OrdinalIgnoreCase);

        public override void Visit(ColumnReferenceExpression node)
        {
            if (node.MultiPartIdentifier is { Count: >= 2 } m) Qualifiers.Add(m.Identifiers[^2].Value);
        }

        public override void Visit(TableReferenceWithAlias node)
        {
            if (node.Alias is not null) Defined.Add(node.Alias.Value);
            else if (node is NamedTableReference n) Defined.Add(n.SchemaObject.BaseIdentifier.Value);
        }
    }
}
