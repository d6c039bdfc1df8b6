using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Translation.SqlText;

namespace EtlAgent.Core.Translation;

/// <summary>
/// CROSS/OUTER APPLY of a multi-statement table-valued function with column arguments
/// (<c>CROSS APPLY Integration.LoadHistory(w.[Table Name], 5)</c>). DuckDB cannot call our
/// interpreter per row, so the statement's rows are asked first for their distinct argument
/// values, the function is run once per distinct tuple, and the APPLY becomes a LATERAL join to
/// those results keyed by the arguments. Views using it cannot be DuckDB views (their rows change),
/// so they are expanded into the query that reads them, when it runs.
/// </summary>
public sealed partial class SqlTranslator
{
    /// <summary>A multi-statement TVF applied with arguments that name columns: null when <paramref name="f"/> is something else.</summary>
    private string? PerRowTableFunction(string left, SchemaObjectFunctionTableReference f, bool outer, Scope scope)
    {
        if (Env.QueryRows is null || Env.CallTableFunction is null) return null;
        var qn = new QualifiedName(f.SchemaObject.SchemaIdentifier?.Value, f.SchemaObject.BaseIdentifier.Value);
        if (Env.Function(qn) is not { ReturnType: TableValuedFunctionReturnType rt } fn) return null;
        var args = f.Parameters.Select(p => Expr(p, scope)).ToList();
        if (!args.Any(a => a.Sql.Contains('"'))) return null;
        var pars = fn.Parameters;
        if (args.Count != pars.Count) throw new SandboxRuntimeError(313, $"An insufficient number of arguments were supplied for the procedure or function {fn.Name.BaseIdentifier.Value}.");
        var types = pars.Select(p => DataTypes.From(p.DataType, Env.Catalog.AliasTypes)).ToList();
        var keys = args.Select((a, i) => Coerce(a, types[i], f).Sql).ToList();

        IReadOnlyList<object?[]> tuples;
        string? with = null;
        for (var s = scope; s is not null; s = s.Parent) with = s.WithSql ?? with;
        try { tuples = Env.QueryRows($"{with}SELECT DISTINCT {string.Join(", ", keys)} FROM {left}"); }
        catch (SandboxRuntimeError e)
        {
            // the left side cannot be read on its own (it refers to an outer query)
            throw Unsupported($"multi-statement table-valued function {qn} applied inside a correlated subquery", f, e.Message);
        }
        string alias = f.Alias?.Value ?? qn.Name;
        IReadOnlyList<ColumnDef> columns = Env.Document is { } doc
            ? DdlReader.ReadDeclaredTable(doc, new QualifiedName(null, rt.DeclareTableVariableBody.VariableName.Value), rt.DeclareTableVariableBody.Definition, f, Env.Catalog.AliasTypes).Columns
            : throw Unsupported($"multi-statement table-valued function {qn} outside a document", f);
        var names = string.Join(", ", columns.Select(c => Id(c.Name)));
        var parts = new List<string>();
        foreach (var tuple in tuples)
        {
            var lt = Env.CallTableFunction(fn, tuple.Select((v, i) => (v, types[i])).ToList(), f);
            parts.Add($"SELECT {string.Join(", ", tuple.Select((v, i) => $"{Literal(v, types[i])} AS \"__a{i}\""))}, {names} FROM {Id(lt.PhysicalName)}");
        }
        if (parts.Count == 0)
            parts.Add($"SELECT {string.Join(", ", types.Select((t, i) => $"{Literal(null, t)} AS \"__a{i}\""))}, {string.Join(", ", columns.Select(c => $"{Literal(null, c.Type)} AS {Id(c.Name)}"))} WHERE false");
        scope.Sources.Add(new SourceShape(alias, columns.Select(c => new ColumnShape(c.Name, c.Type)).ToList()));
        // NULL arguments match NULL: the function ran on them too
        var match = string.Join(" AND ", keys.Select((k, i) => $"\"__r\".\"__a{i}\" IS NOT DISTINCT FROM {k}"));
        var rows = $"(SELECT {string.Join(", ", columns.Select(c => "\"__r\"." + Id(c.Name)))} FROM ({string.Join(" UNION ALL ", parts)}) AS \"__r\" WHERE {match}) AS {Id(alias)}";
        return outer ? $"{left} LEFT JOIN LATERAL {rows} ON true" : $"{left} CROSS JOIN LATERAL {rows}";
    }

    /// <summary>
    /// A multi-statement scalar function called with column arguments (<c>elt.fnName(t.col, 'x')</c>):
    /// as for <see cref="PerRowTableFunction"/>, the distinct argument values of the query's rows are
    /// read first, the interpreter runs the function once for each, and the call becomes a lookup
    /// of its result by the arguments. An error the function raises for a tuple is raised only when
    /// a row with that tuple is evaluated, as in SQL Server.
    /// </summary>
    internal Tx PerRowScalarFunction(FunctionStatementBody udf, SqlType rtype, List<Tx> args, FunctionCall f, Scope scope, int aggregatesBefore)
    {
        string name = udf.Name.BaseIdentifier.Value;
        Exception Refuse(string why) => Unsupported($"multi-statement scalar function {name} called with column arguments", f, why);
        if (Env.QueryRows is null || Env.CallScalarFunction is null) throw Refuse("outside the interpreter");
        if (_aggregatesSeen != aggregatesBefore || args.Any(a => a.Sql.Contains(" OVER (", StringComparison.OrdinalIgnoreCase)))
            throw Refuse("an argument is an aggregate or a window function");
        string? from = null;
        for (var s = scope; s is not null && from is null; s = s.Parent) from = s.FromSql;
        if (from is null) throw Refuse("the statement has no FROM whose rows give the arguments");
        // the CTEs in view, innermost last (a later WITH may read an earlier one's names)
        var withs = new List<string>();
        for (var s = scope; s is not null; s = s.Parent) if (s.WithSql is { } w) withs.Insert(0, w);
        if (withs.Count > 1) throw Refuse("CTEs defined at more than one level");
        if (args.Count != udf.Parameters.Count)
            throw new SandboxRuntimeError(313, $"An insufficient number of arguments were supplied for the procedure or function {name}.");
        var types = udf.Parameters.Select(p => DataTypes.From(p.DataType, Env.Catalog.AliasTypes)).ToList();
        var keys = args.Select((a, i) => Coerce(a, types[i], f).Sql).ToList();
        IReadOnlyList<object?[]> tuples;
        try { tuples = Env.QueryRows($"{withs.FirstOrDefault()}SELECT DISTINCT {string.Join(", ", keys)} FROM {from}"); }
        catch (Exception e) when (e is SandboxRuntimeError or UnsupportedConstructException)
        {
            // the arguments cannot be read on the FROM alone (they name an outer query's columns, or a CTE)
            throw Refuse(e.Message);
        }
        if (tuples.Count == 0) return new(Literal(null, rtype), rtype);
        var rows = new List<string>();
        foreach (var tuple in tuples)
        {
            string value, error;
            try
            {
                var r = Env.CallScalarFunction(udf, tuple.Select((v, i) => (v, types[i])).ToList(), f);
                (value, error) = (Literal(r.Value, rtype), "CAST(NULL AS VARCHAR)");
            }
            catch (SandboxRuntimeError e) { (value, error) = (Literal(null, rtype), Str(ErrorMarker(e.Number) + e.Message)); }
            rows.Add("(" + string.Join(", ", tuple.Select((v, i) => Literal(v, types[i]))) + $", {value}, {error})");
        }
        var cols = string.Join(", ", keys.Select((_, i) => $"\"__a{i}\"")) + ", \"__v\", \"__e\"";
        var match = string.Join(" AND ", keys.Select((k, i) => $"\"__f\".\"__a{i}\" IS NOT DISTINCT FROM {k}"));
        return new($"(SELECT CASE WHEN \"__f\".\"__e\" IS NOT NULL THEN error(\"__f\".\"__e\") ELSE \"__f\".\"__v\" END FROM (VALUES {string.Join(", ", rows)}) AS \"__f\"({cols}) WHERE {match})", rtype);
    }

    /// <summary>
    /// A view the sandbox could not create (it applies a multi-statement TVF to its rows), translated
    /// into the query that reads it, now that the interpreter can run the function; null when the
    /// view cannot be expanded here.
    /// </summary>
    private string? ExpandView(QualifiedName view, string alias, Scope scope)
    {
        if (Env.View?.Invoke(view) is not { } v || Env.QueryRows is null) return null;
        var saved = Env.Document;
        Env.Document = v.Document;
        try
        {
            var inner = new Scope(null);
            var sql = With(v.Body.SelectStatement.WithCtesAndXmlNamespaces, inner) + Query(v.Body.SelectStatement.QueryExpression, inner, out var shape);
            if (v.Body.Columns.Count > 0)
                shape = v.Body.Columns.Select((c, i) => new ColumnShape(c.Value, i < shape.Count ? shape[i].Type : null)).ToList();
            scope.Sources.Add(new SourceShape(alias, shape, view));
            var cols = v.Body.Columns.Count > 0 ? "(" + string.Join(", ", v.Body.Columns.Select(c => Id(c.Value))) + ")" : "";
            return $"({sql}) AS {Id(alias)}{cols}";
        }
        finally { Env.Document = saved; }
    }
}
