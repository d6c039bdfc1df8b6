using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Translation.SqlText;

namespace EtlAgent.Core.Translation;

/// <summary>
/// PIVOT and UNPIVOT, rewritten into the T-SQL they stand for and translated as such, so the
/// aggregate, the comparison of the pivot column with each listed value (its type, collation and
/// trailing spaces) and the grouping keep SQL Server's semantics:
/// <c>src PIVOT (AGG(v) FOR p IN ([a], [b]))</c> is
/// <c>SELECT g…, AGG(CASE WHEN p = 'a' THEN v END) AS [a], … FROM src GROUP BY g…</c> (g: the source's
/// other columns); <c>src UNPIVOT (v FOR n IN (a, b))</c> is
/// <c>SELECT g…, N'a' AS n, a AS v FROM src WHERE a IS NOT NULL UNION ALL …</c>.
/// </summary>
public sealed partial class SqlTranslator
{
    private string Pivot(PivotedTableReference p, Scope scope)
    {
        if (p.ValueColumns.Count != 1) throw Unsupported("PIVOT of more than one value column", p);
        var columns = SourceColumns(p.TableReference, scope);
        string value = p.ValueColumns[0].MultiPartIdentifier.Identifiers[^1].Value;
        string pivot = p.PivotColumn.MultiPartIdentifier.Identifiers[^1].Value;
        var groups = columns.Where(c => !Same(c, value) && !Same(c, pivot)).ToList();
        var qs = new QuerySpecification { FromClause = new FromClause() };
        qs.FromClause.TableReferences.Add(p.TableReference);
        foreach (var g in groups) qs.SelectElements.Add(new SelectScalarExpression { Expression = Column(g) });
        foreach (var v in p.InColumns)
        {
            var when = new SearchedWhenClause
            {
                WhenExpression = new BooleanComparisonExpression { ComparisonType = BooleanComparisonType.Equals, FirstExpression = Column(pivot), SecondExpression = new StringLiteral { Value = v.Value, IsNational = true } },
                ThenExpression = Column(value),
            };
            var test = new SearchedCaseExpression();
            test.WhenClauses.Add(when);
            var aggregate = new FunctionCall { FunctionName = new Identifier { Value = p.AggregateFunctionIdentifier.Identifiers[^1].Value } };
            aggregate.Parameters.Add(test);
            qs.SelectElements.Add(new SelectScalarExpression { Expression = aggregate, ColumnName = new IdentifierOrValueExpression { Identifier = new Identifier { Value = v.Value } } });
        }
        if (groups.Count > 0)
        {
            qs.GroupByClause = new GroupByClause();
            foreach (var g in groups) qs.GroupByClause.GroupingSpecifications.Add(new ExpressionGroupingSpecification { Expression = Column(g) });
        }
        return Derived(qs, p.Alias?.Value ?? "__pivot", scope, p);
    }

    private string Unpivot(UnpivotedTableReference u, Scope scope)
    {
        var columns = SourceColumns(u.TableReference, scope);
        var rotated = u.InColumns.Select(c => c.MultiPartIdentifier.Identifiers[^1].Value).ToList();
        var kept = columns.Where(c => !rotated.Any(r => Same(c, r))).ToList();
        QueryExpression? union = null;
        foreach (var r in rotated)
        {
            var qs = new QuerySpecification { FromClause = new FromClause() };
            qs.FromClause.TableReferences.Add(u.TableReference);
            foreach (var k in kept) qs.SelectElements.Add(new SelectScalarExpression { Expression = Column(k) });
            // the names column is nvarchar(128), sysname's type
            var name = new CastCall { DataType = new SqlDataTypeReference { SqlDataTypeOption = SqlDataTypeOption.NVarChar }, Parameter = new StringLiteral { Value = r, IsNational = true } };
            ((SqlDataTypeReference)name.DataType).Parameters.Add(new IntegerLiteral { Value = "128" });
            qs.SelectElements.Add(new SelectScalarExpression { Expression = name, ColumnName = new IdentifierOrValueExpression { Identifier = new Identifier { Value = u.PivotColumn.Value } } });
            qs.SelectElements.Add(new SelectScalarExpression { Expression = Column(r), ColumnName = new IdentifierOrValueExpression { Identifier = new Identifier { Value = u.ValueColumn.Value } } });
            qs.WhereClause = new WhereClause { SearchCondition = new BooleanIsNullExpression { IsNot = true, Expression = Column(r) } };
            union = union is null ? qs : new BinaryQueryExpression { BinaryQueryExpressionType = BinaryQueryExpressionType.Union, All = true, FirstQueryExpression = union, SecondQueryExpression = qs };
        }
        if (union is null) throw Unsupported("UNPIVOT of no columns", u);
        return Derived(union, u.Alias?.Value ?? "__unpivot", scope, u);
    }

    /// <summary>The columns a table reference exposes, in order (translated once, aside, to learn them).</summary>
    private List<string> SourceColumns(TableReference source, Scope scope)
    {
        var aside = new Scope(scope);
        TableRef(source, aside);
        var names = aside.Sources.SelectMany(s => s.Columns).Select(c => c.Name).ToList();
        if (names.Count == 0 || names.Contains("*")) throw Unsupported("PIVOT or UNPIVOT of a source whose columns are not known", source);
        return names;
    }

    private string Derived(QueryExpression query, string alias, Scope scope, TSqlFragment at)
    {
        var sql = Query(query, new Scope(scope), out var shape);
        scope.Sources.Add(new SourceShape(alias, shape));
        return $"({sql}) AS {Id(alias)}";
    }

    private static ColumnReferenceExpression Column(string name)
    {
        var id = new MultiPartIdentifier();
        id.Identifiers.Add(new Identifier { Value = name, QuoteType = QuoteType.SquareBracket });
        return new ColumnReferenceExpression { MultiPartIdentifier = id, ColumnType = ColumnType.Regular };
    }

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
