using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Translation.SqlText;

namespace EtlAgent.Core.Translation;

/// <summary>
/// OBJECT_ID, OBJECT_NAME, OBJECT_SCHEMA_NAME, SCHEMA_NAME, SCHEMA_ID answered over the sandbox's
/// own catalog (and CURSOR_STATUS over the interpreter's cursors). The interpreter knows the objects (and #temp tables), so each call becomes an
/// intrinsic it resolves: the argument must be known when the statement runs (a constant, variables,
/// @@PROCID, or any expression of those); an argument read from rows is refused at the call.
/// </summary>
public static class MetadataFunctions
{
    /// <summary>The prefix of the intrinsic names the interpreter resolves (fields separated by a newline).</summary>
    public const string Prefix = "META:";

    internal static Tx ObjectId(SqlTranslator t, FunctionCall f, Scope s, List<Tx> a)
    {
        var name = Known(t, f, 0, a, "OBJECT_ID");
        var type = a.Count > 1 ? Known(t, f, 1, a, "OBJECT_ID") : null;
        if (name is null) return new("CAST(NULL AS INTEGER)", SqlTranslator.Int);
        return Resolve(t, f, "OBJECT_ID", Convert.ToString(name, System.Globalization.CultureInfo.InvariantCulture)!, type is null ? "" : Convert.ToString(type, System.Globalization.CultureInfo.InvariantCulture)!);
    }

    internal static Tx ObjectName(SqlTranslator t, FunctionCall f, Scope s, List<Tx> a) => ById(t, f, a, "OBJECT_NAME");

    internal static Tx ObjectSchemaName(SqlTranslator t, FunctionCall f, Scope s, List<Tx> a) => ById(t, f, a, "OBJECT_SCHEMA_NAME");

    internal static Tx SchemaName(SqlTranslator t, FunctionCall f, Scope s, List<Tx> a) =>
        a.Count == 0 ? new(Str("dbo"), new SqlType("nvarchar", 128)) : ById(t, f, a, "SCHEMA_NAME");

    internal static Tx SchemaId(SqlTranslator t, FunctionCall f, Scope s, List<Tx> a)
    {
        if (a.Count == 0) return new("CAST(1 AS INTEGER)", SqlTranslator.Int);
        var name = Known(t, f, 0, a, "SCHEMA_ID");
        return name is null ? new("CAST(NULL AS INTEGER)", SqlTranslator.Int) : Resolve(t, f, "SCHEMA_ID", Convert.ToString(name, System.Globalization.CultureInfo.InvariantCulture)!);
    }

    /// <summary>
    /// CURSOR_STATUS('local' | 'global', name): the state of a cursor, which the interpreter keeps (1 open
    /// with rows, 0 open without rows for a STATIC or KEYSET cursor, -1 closed, -3 no such cursor).
    /// </summary>
    internal static Tx CursorStatus(SqlTranslator t, FunctionCall f, Scope s, List<Tx> a)
    {
        var scope = Known(t, f, 0, a, "CURSOR_STATUS") as string;
        var name = Known(t, f, 1, a, "CURSOR_STATUS") as string;
        var result = new SqlType("smallint");
        if (scope is null || name is null) return new("CAST(NULL AS SMALLINT)", result);
        if (!scope.Trim().Equals("local", StringComparison.OrdinalIgnoreCase) && !scope.Trim().Equals("global", StringComparison.OrdinalIgnoreCase))
            throw t.Unsupported($"CURSOR_STATUS('{scope}', …) (cursor variables)", f);
        return Resolve(t, f, "CURSOR_STATUS", scope.Trim().ToLowerInvariant(), name.Trim());
    }

    /// <summary>COL_LENGTH(table, column): the column's defined length in bytes (-1 for max), NULL when either is unknown.</summary>
    internal static Tx ColLength(SqlTranslator t, FunctionCall f, Scope s, List<Tx> a)
    {
        var table = Known(t, f, 0, a, "COL_LENGTH") as string;
        var column = Known(t, f, 1, a, "COL_LENGTH") as string;
        var result = new SqlType("smallint");
        if (table is null || column is null) return new("CAST(NULL AS SMALLINT)", result);
        if (table.StartsWith("tempdb.", StringComparison.OrdinalIgnoreCase) && QualifiedName.SplitParts(table, keepEmpty: true) is { Count: 3 } parts) table = parts[2];
        IEnumerable<(string Name, SqlType Type)>? columns = table.StartsWith('#')
            ? t.Env.LocalTable(table)?.Columns.Select(c => (c.Name, c.Type))
            : QualifiedName.TryParse(table, out var qn) && qn.Database is null && t.Env.Catalog.Find(qn) is { Kind: TableKind.Table or TableKind.View } def ? def.Columns.Select(c => (c.Name, c.Type))
            : QualifiedName.TryParse(table, out var made) && made.Database is null ? t.Env.MadeTable(made)?.Columns.Select(c => (c.Name, c.Type)) : null;
        var type = columns?.FirstOrDefault(c => string.Equals(c.Name, column, StringComparison.OrdinalIgnoreCase)).Type;
        int? bytes = type is null ? null : Bytes(type);
        if (type is not null && bytes is null) throw t.Unsupported($"COL_LENGTH of a {type} column", f);
        return new(bytes is int b ? $"CAST({b} AS SMALLINT)" : "CAST(NULL AS SMALLINT)", result);
    }

    /// <summary>The storage length SQL Server reports for a type (COL_LENGTH, sys.columns.max_length).</summary>
    internal static int? Bytes(SqlType ty) => ty.Name.ToLowerInvariant() switch
    {
        "nvarchar" or "nchar" => ty.IsMax ? -1 : 2 * (ty.Length ?? 1),
        "sysname" => 256,
        "varchar" or "char" or "varbinary" or "binary" => ty.IsMax ? -1 : ty.Length ?? 1,
        "tinyint" or "bit" => 1, "smallint" => 2, "int" or "real" or "smallmoney" or "smalldatetime" => 4,
        "bigint" or "float" or "money" or "datetime" => 8, "date" => 3, "uniqueidentifier" => 16,
        "decimal" or "numeric" => (ty.Precision ?? 18) switch { <= 9 => 5, <= 19 => 9, <= 28 => 13, _ => 17 },
        "datetime2" => (ty.Scale ?? 7) switch { <= 2 => 6, <= 4 => 7, _ => 8 },
        "time" => (ty.Scale ?? 7) switch { <= 2 => 3, <= 4 => 4, _ => 5 },
        "datetimeoffset" => (ty.Scale ?? 7) switch { <= 2 => 8, <= 4 => 9, _ => 10 },
        _ => null,
    };

    /// <summary>The id of an object: FNV-1a of its lower-cased "schema.name", from 1000 up, the same in every run.</summary>
    public static int IdOf(QualifiedName name) => IdOf(name.Schema + "." + name.Name);

    public static int IdOf(string text)
    {
        uint h = 2166136261;
        foreach (char c in text.ToLowerInvariant()) { h ^= c; h *= 16777619; }
        return (int)(h % 2_000_000_000u) + 1000;
    }

    /// <summary>Schema ids as in a new database (dbo 1, guest 2, INFORMATION_SCHEMA 3, sys 4), others hashed from 5 up.</summary>
    public static int SchemaIdOf(string schema) => schema.ToLowerInvariant() switch
    {
        "dbo" => 1, "guest" => 2, "information_schema" => 3, "sys" => 4,
        _ => (int)((uint)IdOf(schema) % 1_000_000u) + 5,
    };

    private static Tx ById(SqlTranslator t, FunctionCall f, List<Tx> a, string function)
    {
        // the second argument names a database: only this one is known here
        if (a.Count > 1) throw t.Unsupported($"{function} with a database id", f);
        var id = Known(t, f, 0, a, function);
        if (id is null) return new("CAST(NULL AS VARCHAR)", new SqlType("nvarchar", 128));
        return Resolve(t, f, function, Convert.ToString(id, System.Globalization.CultureInfo.InvariantCulture)!);
    }

    private static Tx Resolve(SqlTranslator t, FunctionCall f, params string[] fields)
    {
        var v = t.Env.Intrinsic(Prefix + string.Join("\n", fields)) ?? throw t.Unsupported(fields[0], f);
        if (v.Value is UnsupportedConstructException u) throw t.Unsupported(u.Construct, f, u.Detail);
        return new(Literal(v.Value, v.Type), v.Type);
    }

    /// <summary>The value of an argument known before the statement runs; refused when it is read from rows.</summary>
    private static object? Known(SqlTranslator t, FunctionCall f, int i, List<Tx> a, string function)
    {
        if (a[i].StringConstant is { } s) return s;
        if (a[i].IsNullLiteral) return null;
        var reads = new RowReadFinder(t.Env);
        f.Parameters[i].Accept(reads);
        if (reads.Found || t.Env.Evaluate is null)
            throw t.Unsupported($"{function} of a value read from rows", f, "the sandbox answers it for names and ids known when the statement runs");
        return t.Env.Evaluate(a[i].Sql, a[i].Type);
    }

    /// <summary>Whether an expression reads columns, subqueries, or variables that stand for SQL (function parameters).</summary>
    private sealed class RowReadFinder(TranslationEnv env) : TSqlFragmentVisitor
    {
        public bool Found { get; private set; }
        public override void Visit(ColumnReferenceExpression node) => Found = true;
        public override void Visit(ScalarSubquery node) => Found = true;
        public override void Visit(VariableReference node) => Found |= env.Variable(node.Name) is not { Sql: null };
    }
}
