using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Translation;

/// <summary>
/// An INSERT that supplies more or fewer values than it names columns: SQL Server's errors 109,
/// 110, 120, 121 and 213. They are compile errors: when the target table exists as the module is
/// compiled, the whole procedure (or batch) fails before its first statement runs, and a CATCH in
/// that same procedure never sees it (the caller's does). <see cref="FirstCompileError"/> finds it
/// for the tables of the catalog; <see cref="Mismatch"/> is the same rule for one statement, used
/// when a statement whose target was created later (a #temp table) is translated.
/// </summary>
public static class InsertArity
{
    /// <summary>The error SQL Server raises for <paramref name="values"/> values given to <paramref name="columns"/> target columns, or null when they match.</summary>
    public static SandboxRuntimeError? Mismatch(bool columnList, bool fromValues, int columns, int values)
    {
        if (columns == values) return null;
        if (!columnList)
            return new SandboxRuntimeError(213, "Column name or number of supplied values does not match table definition.");
        if (fromValues)
            return values > columns
                ? new SandboxRuntimeError(110, "There are fewer columns in the INSERT statement than values specified in the VALUES clause. The number of values in the VALUES clause must match the number of columns specified in the INSERT statement.")
                : new SandboxRuntimeError(109, "There are more columns in the INSERT statement than values specified in the VALUES clause. The number of values in the VALUES clause must match the number of columns specified in the INSERT statement.");
        return values > columns
            ? new SandboxRuntimeError(121, "The select list for the INSERT statement contains more items than the insert list. The number of SELECT values must match the number of INSERT columns.")
            : new SandboxRuntimeError(120, "The select list for the INSERT statement contains fewer items than the insert list. The number of SELECT values must match the number of INSERT columns.");
    }

    /// <summary>
    /// The first INSERT among <paramref name="statements"/> (at any depth) into a catalog table whose
    /// value count differs from its column count, with its error; null when there is none. Tables the
    /// statements create themselves are compiled when reached (deferred name resolution) and skipped,
    /// as are sources whose width is not known without binding (SELECT *).
    /// </summary>
    public static (SandboxRuntimeError Error, InsertStatement At)? FirstCompileError(IEnumerable<TSqlStatement> statements, SchemaCatalog catalog)
    {
        var visitor = new Finder();
        foreach (var s in statements) s.Accept(visitor);
        foreach (var insert in visitor.Inserts)
        {
            var spec = insert.InsertSpecification;
            if (spec.Target is not NamedTableReference { SchemaObject: { ServerIdentifier: null, DatabaseIdentifier: null } name }) continue;
            var qn = DdlReader.NameOf(name);
            if (qn.Name.StartsWith('#') || visitor.Created.Contains(qn) || catalog.Find(qn) is not { Kind: TableKind.Table } table) continue;
            int columns = spec.Columns.Count > 0 ? spec.Columns.Count : table.Columns.Count(c => !c.IsGenerated);
            var (fromValues, values) = Width(spec.InsertSource);
            if (values is not int n) continue;
            if (Mismatch(spec.Columns.Count > 0, fromValues, columns, n) is { } error) return (error, insert);
        }
        return null;
    }

    private static (bool FromValues, int? Count) Width(InsertSource source) => source switch
    {
        ValuesInsertSource { IsDefaultValues: false } v when v.RowValues.Count > 0 =>
            // every row of one VALUES clause has the same width (SQL Server: error 10709 otherwise)
            (true, v.RowValues.Select(r => r.ColumnValues.Count).Distinct().Count() == 1 ? v.RowValues[0].ColumnValues.Count : null),
        SelectInsertSource s => (false, SelectWidth(s.Select)),
        _ => (false, null),
    };

    private static int? SelectWidth(QueryExpression q) => q switch
    {
        QuerySpecification qs when qs.SelectElements.All(e => e is SelectScalarExpression) => qs.SelectElements.Count,
        QueryParenthesisExpression p => SelectWidth(p.QueryExpression),
        BinaryQueryExpression b => SelectWidth(b.FirstQueryExpression),
        _ => null,
    };

    private sealed class Finder : TSqlFragmentVisitor
    {
        public List<InsertStatement> Inserts { get; } = new();
        public HashSet<QualifiedName> Created { get; } = new();

        public override void Visit(InsertStatement node) { Inserts.Add(node); base.Visit(node); }
        public override void Visit(CreateTableStatement node) { Created.Add(DdlReader.NameOf(node.SchemaObjectName)); base.Visit(node); }
    }
}
