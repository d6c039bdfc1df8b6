using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Rules.CatalogRuleHelpers;
using static EtlAgent.Core.Rules.SyntaxRuleHelpers;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>
/// The constants one transformation's writes put in each column of a table: a literal inserted or set
/// (`'Full' AS LoadMode`, `SET Done = 0`), a column its SELECT's WHERE equates to a literal (`s.TABLE_SCHEMA AS
/// SourceSchema … WHERE s.TABLE_SCHEMA = 'tsa'`), or a column of a MERGE's `USING (VALUES …)` source that holds one
/// literal in every row (the seed-data MERGE schema compare tools write). A column some write fills otherwise (an
/// expression, a parameter, its default because an INSERT leaves it out) maps to null; a write that cannot be read
/// this way (SELECT INTO, INSERT … EXEC, a source of another shape) makes the whole answer null; a statement that writes the
/// table through OUTPUT INTO is the caller's to rule out (WriterKeys reads those once per statement).
/// </summary>
public static class WriterConstants
{
    public static IReadOnlyDictionary<string, IReadOnlySet<string>?>? Of(IEnumerable<TSqlStatement> statements, Func<SchemaObjectName?, bool> isTable, TableDef? def)
    {
        var constants = new Dictionary<string, IReadOnlySet<string>?>(StringComparer.OrdinalIgnoreCase);
        void Add(string column, string? value)
        {
            if (value is null) { constants[column] = null; return; }
            if (constants.TryGetValue(column, out var set) && set is null) return;
            var values = set as HashSet<string> ?? new HashSet<string>(StringComparer.Ordinal);
            values.Add(value);
            constants[column] = values;
        }
        void Omitted(IEnumerable<string> written)
        {
            // a column an INSERT leaves out takes its default, not one of the constants
            foreach (var c in def?.Columns ?? new List<ColumnDef>())
                if (!written.Contains(c.Name, StringComparer.OrdinalIgnoreCase) && !c.Identity && !c.IsGenerated) Add(c.Name, null);
        }
        foreach (var statement in statements)
        {
            // a write through a CTE over the table (WITH x AS (SELECT … FROM T) UPDATE x SET …) is not read here
            if (statement is DataModificationStatement { WithCtesAndXmlNamespaces.CommonTableExpressions: { Count: > 0 } ctes }
                && ctes.Any(c => Descendants<NamedTableReference>(c.QueryExpression).Any(n => isTable(n.SchemaObject)))) return null;
            switch (statement)
            {
                case SelectStatement { Into: { } into } when isTable(into):
                    return null;
                case InsertStatement { InsertSpecification: { Target: NamedTableReference nt } insert } when isTable(nt.SchemaObject):
                {
                    if (insert.Columns.Count == 0) return null;
                    var columns = insert.Columns.Select(c => ColumnName(c) ?? "").ToList();
                    switch (insert.InsertSource)
                    {
                        case ValuesInsertSource { RowValues: { } rows }:
                            foreach (var row in rows)
                                for (int i = 0; i < columns.Count; i++) Add(columns[i], i < row.ColumnValues.Count ? Constant(row.ColumnValues[i]) : null);
                            break;
                        case SelectInsertSource { Select: { } select } when Unparen(select) is QuerySpecification q && q.SelectElements.Count == columns.Count:
                            for (int i = 0; i < columns.Count; i++)
                                Add(columns[i], q.SelectElements[i] is SelectScalarExpression e ? Constant(e.Expression) ?? Filtered(e.Expression, q) : null);
                            break;
                        default:
                            return null;
                    }
                    Omitted(columns);
                    break;
                }
                case UpdateStatement { UpdateSpecification: { } u } when WriterKeys.UpdatesTable(u, isTable):
                    foreach (var set in u.SetClauses)
                        if (set is AssignmentSetClause { Column: { } col } a && ColumnName(col) is { } name) Add(name, a.AssignmentKind == AssignmentKind.Equals ? Constant(a.NewValue) : null);
                        else return null;
                    break;
                case MergeStatement { MergeSpecification: { Target: NamedTableReference mt } merge } when isTable(mt.SchemaObject):
                {
                    var source = SourceConstants(merge.TableReference, merge.TableReference is InlineDerivedTable d ? d.Alias?.Value : null);
                    string? Value(ScalarExpression e) => Constant(e) ?? (Unparen(e) is ColumnReferenceExpression c && c.MultiPartIdentifier is { Count: 2 } id
                        && source is { } s && string.Equals(id.Identifiers[0].Value, s.Alias, StringComparison.OrdinalIgnoreCase) && s.Columns.TryGetValue(id.Identifiers[1].Value, out var v) ? v : null);
                    foreach (var action in merge.ActionClauses.Select(a => a.Action))
                        switch (action)
                        {
                            case InsertMergeAction { Source: ValuesInsertSource { RowValues: [var row] } } ins when ins.Columns.Count == row.ColumnValues.Count:
                                var columns = ins.Columns.Select(c => ColumnName(c) ?? "").ToList();
                                for (int i = 0; i < columns.Count; i++) Add(columns[i], Value(row.ColumnValues[i]));
                                Omitted(columns);
                                break;
                            case UpdateMergeAction upd:
                                foreach (var set in upd.SetClauses)
                                    if (set is AssignmentSetClause { Column: { } col } a && ColumnName(col) is { } name) Add(name, a.AssignmentKind == AssignmentKind.Equals ? Value(a.NewValue) : null);
                                    else return null;
                                break;
                            case DeleteMergeAction:
                                break;
                            default:
                                return null;
                        }
                    break;
                }
            }
        }
        return constants;
    }

    /// <summary>A literal other than NULL, as text that tells values apart (a string keeps its quotes' content exactly).</summary>
    private static string? Constant(ScalarExpression? e) => e is null ? null : Unparen(e) switch
    {
        StringLiteral s => "s:" + s.Value,
        IntegerLiteral or NumericLiteral => "n:" + ((Literal)Unparen(e)).Value,
        UnaryExpression { UnaryExpressionType: UnaryExpressionType.Negative, Expression: IntegerLiteral or NumericLiteral } u => "n:-" + ((Literal)u.Expression).Value,
        _ => null,
    };

    /// <summary>A column the query's WHERE equates to a literal (`WHERE s.TABLE_SCHEMA = 'tsa'`): every row it gives holds that value.</summary>
    private static string? Filtered(ScalarExpression e, QuerySpecification q)
    {
        if (Unparen(e) is not ColumnReferenceExpression column || q.WhereClause?.SearchCondition is not { } where) return null;
        var name = Text(column);
        foreach (var c in Conjuncts(where, throughParentheses: true))
        {
            if (Unparen(c) is not BooleanComparisonExpression { ComparisonType: BooleanComparisonType.Equals } eq) continue;
            if (Unparen(eq.FirstExpression) is ColumnReferenceExpression a && Text(a) == name && Constant(eq.SecondExpression) is { } va) return va;
            if (Unparen(eq.SecondExpression) is ColumnReferenceExpression b && Text(b) == name && Constant(eq.FirstExpression) is { } vb) return vb;
        }
        return null;
    }

    private static string Text(ColumnReferenceExpression c) =>
        string.Join(".", c.MultiPartIdentifier?.Identifiers.Select(i => i.Value.ToUpperInvariant()) ?? Enumerable.Empty<string>());

    /// <summary>A MERGE's `USING (VALUES …) AS Source (c1, …)`: each column → the one literal every row holds there, or null.</summary>
    private static (string Alias, Dictionary<string, string?> Columns)? SourceConstants(TableReference? source, string? alias)
    {
        if (source is not InlineDerivedTable { RowValues: { } rows } d || alias is null || d.Columns.Count == 0) return null;
        var columns = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < d.Columns.Count; i++)
        {
            var values = rows.Select(r => i < r.ColumnValues.Count ? Constant(r.ColumnValues[i]) : null).Distinct().ToList();
            columns[d.Columns[i].Value] = values is [{ } only] ? only : null;
        }
        return (alias, columns);
    }
}
