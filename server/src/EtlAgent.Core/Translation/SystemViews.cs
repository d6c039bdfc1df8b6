using System.Globalization;
using EtlAgent.Core.Model;
using static EtlAgent.Core.Translation.SqlText;

namespace EtlAgent.Core.Translation;

/// <summary>
/// INFORMATION_SCHEMA.TABLES and COLUMNS, sys.schemas, sys.objects, sys.tables, sys.views,
/// sys.procedures, sys.databases (the sandbox's one database) and the dynamic management views of
/// <see cref="DynamicManagementViews"/> answered over the sandbox's own catalog, as a table of constant rows built when the
/// statement is translated. Other system views are refused where they are used (never "Invalid
/// object name": the real database has them). Object and schema ids are <see cref="MetadataFunctions"/>'s.
/// </summary>
public static class SystemViews
{
    private static readonly SqlType Name = new("nvarchar", 128);
    private static readonly SqlType Int = new("int");

    /// <summary>DB_ID() of the sandbox database: 1–4 are the system databases, the first user database is 5.</summary>
    public const int SandboxDatabaseId = 5;

    /// <summary>
    /// A documented column whose value the sandbox does not have: a statement that reads it is
    /// refused where it does (the view's other columns still answer).
    /// </summary>
    public static readonly object NotAnswered = new();

    /// <summary>Whether a two-part name is a system view (schema INFORMATION_SCHEMA or sys).</summary>
    public static bool IsSystem(QualifiedName qn) =>
        qn.Schema.Equals("INFORMATION_SCHEMA", StringComparison.OrdinalIgnoreCase) || qn.Schema.Equals("sys", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A server-scoped dynamic management view (sys.dm_exec_…): the same rows whichever database names
    /// it, so master.sys.dm_exec_sessions is answered as sys.dm_exec_sessions. Catalog views are not:
    /// master.sys.tables lists master's tables.
    /// </summary>
    public static bool IsServerScoped(QualifiedName qn) =>
        qn.Schema.Equals("sys", StringComparison.OrdinalIgnoreCase) && qn.Name.StartsWith("dm_exec_", StringComparison.OrdinalIgnoreCase);

    /// <summary>The view's columns and rows, or null when the sandbox does not answer that view.</summary>
    public static (IReadOnlyList<(string Name, SqlType Type)> Columns, IEnumerable<object?[]> Rows)? Of(QualifiedName qn, TranslationEnv env)
    {
        var objects = env.Objects();
        var tables = env.Catalog.All.Where(t => t.Kind is TableKind.Table or TableKind.View && t.Name.Database is null).OrderBy(t => t.Name.Schema, StringComparer.OrdinalIgnoreCase).ThenBy(t => t.Name.Name, StringComparer.OrdinalIgnoreCase).ToList();
        switch ((qn.Schema.ToUpperInvariant(), qn.Name.ToUpperInvariant()))
        {
            case ("INFORMATION_SCHEMA", "TABLES"):
                return (new[] { ("TABLE_CATALOG", Name), ("TABLE_SCHEMA", Name), ("TABLE_NAME", Name), ("TABLE_TYPE", new SqlType("varchar", 10)) },
                    tables.Select(t => new object?[] { "Sandbox", t.Name.Schema, t.Name.Name, t.Kind == TableKind.View ? "VIEW" : "BASE TABLE" }));
            case ("INFORMATION_SCHEMA", "COLUMNS"):
                return (ColumnsShape, tables.SelectMany(t => t.Columns.Select((c, i) => ColumnRow(t, c, i))));
            case ("SYS", "SCHEMAS"):
                return (new[] { ("name", Name), ("schema_id", Int), ("principal_id", Int) },
                    new[] { "dbo", "guest", "INFORMATION_SCHEMA", "sys" }.Concat(objects.Select(o => o.Name.Schema)).Distinct(StringComparer.OrdinalIgnoreCase)
                        .Select(s => new object?[] { s, MetadataFunctions.SchemaIdOf(s), 1 }).OrderBy(r => (int)r[1]!));
            case ("SYS", "DATABASES"):
                // the sandbox is one fresh database with the defaults a new one gets: code that asks
                // about its own database (WHERE database_id = DB_ID()) reads these; other databases are not here
                return (new[]
                    {
                        ("name", Name), ("database_id", Int), ("compatibility_level", new SqlType("tinyint")), ("collation_name", Name),
                        ("state_desc", new SqlType("nvarchar", 60)), ("recovery_model_desc", new SqlType("nvarchar", 60)),
                        ("snapshot_isolation_state_desc", new SqlType("nvarchar", 60)), ("is_read_committed_snapshot_on", new SqlType("bit")),
                        ("is_read_only", new SqlType("bit")),
                    },
                    new[] { new object?[] { "Sandbox", SandboxDatabaseId, (byte)160, "SQL_Latin1_General_CP1_CI_AS", "ONLINE", "SIMPLE", "OFF", false, false } });
            case ("SYS", "OBJECTS"): return Objects(objects, null);
            case ("SYS", "TABLES"): return Objects(objects, "U");
            case ("SYS", "VIEWS"): return Objects(objects, "V");
            case ("SYS", "PROCEDURES"): return Objects(objects, "P");
            case ("SYS", var dmv) when dmv.StartsWith("DM_", StringComparison.Ordinal): return DynamicManagementViews.Of(dmv, env);
            default: return CatalogViews.Of(qn, env);
        }
    }

    private static readonly (string, SqlType)[] ColumnsShape =
    {
        ("TABLE_CATALOG", Name), ("TABLE_SCHEMA", Name), ("TABLE_NAME", Name), ("COLUMN_NAME", Name), ("ORDINAL_POSITION", Int),
        ("COLUMN_DEFAULT", new SqlType("nvarchar", 4000)), ("IS_NULLABLE", new SqlType("varchar", 3)), ("DATA_TYPE", Name),
        ("CHARACTER_MAXIMUM_LENGTH", Int), ("CHARACTER_OCTET_LENGTH", Int), ("NUMERIC_PRECISION", new SqlType("tinyint")),
        ("NUMERIC_PRECISION_RADIX", new SqlType("smallint")), ("NUMERIC_SCALE", Int), ("DATETIME_PRECISION", new SqlType("smallint")),
        ("CHARACTER_SET_CATALOG", Name), ("CHARACTER_SET_SCHEMA", Name), ("CHARACTER_SET_NAME", Name),
        ("COLLATION_CATALOG", Name), ("COLLATION_SCHEMA", Name), ("COLLATION_NAME", Name),
        ("DOMAIN_CATALOG", Name), ("DOMAIN_SCHEMA", Name), ("DOMAIN_NAME", Name),
    };

    private static object?[] ColumnRow(TableDef t, ColumnDef c, int i)
    {
        var ty = c.Type;
        var (type, chars, octets, p, radix, scale, dtp, text) = CatalogViews.Shape(ty);
        return new object?[]
        {
            "Sandbox", t.Name.Schema, t.Name.Name, c.Name, i + 1, c.Default is null ? null : "(" + c.Default + ")", c.Nullable ? "YES" : "NO", type,
            chars, octets, p is null ? null : (byte)p.Value, radix is null ? null : (short)radix.Value, scale, dtp is null ? null : (short)dtp.Value,
            null, null, text ? (ty.IsUnicode ? "UNICODE" : "iso_1") : null, null, null, text ? "SQL_Latin1_General_CP1_CI_AS" : null, null, null, null,
        };
    }

    private static (IReadOnlyList<(string, SqlType)>, IEnumerable<object?[]>) Objects(IReadOnlyList<(QualifiedName Name, string Type)> objects, string? only)
    {
        var cols = new (string, SqlType)[]
        {
            ("name", Name), ("object_id", Int), ("principal_id", Int), ("schema_id", Int), ("parent_object_id", Int), ("type", new SqlType("char", 2)),
            ("type_desc", new SqlType("nvarchar", 60)), ("is_ms_shipped", new SqlType("bit")), ("is_published", new SqlType("bit")), ("is_schema_published", new SqlType("bit")),
        };
        var rows = objects.Where(o => only is null || o.Type == only).Select(o => new object?[]
        {
            o.Name.Name, MetadataFunctions.IdOf(o.Name), null, MetadataFunctions.SchemaIdOf(o.Name.Schema), 0, o.Type.PadRight(2), TypeDesc(o.Type), false, false, false,
        });
        return (cols, rows);
    }

    private static string TypeDesc(string type) => type switch
    {
        "U" => "USER_TABLE", "V" => "VIEW", "P" => "SQL_STORED_PROCEDURE", "FN" => "SQL_SCALAR_FUNCTION",
        "IF" => "SQL_INLINE_TABLE_VALUED_FUNCTION", "TF" => "SQL_TABLE_VALUED_FUNCTION", "SO" => "SEQUENCE_OBJECT", _ => type,
    };

    /// <summary>Which columns hold a <see cref="NotAnswered"/> value in some row.</summary>
    public static bool[] Refused(IReadOnlyList<(string Name, SqlType Type)> columns, IReadOnlyList<object?[]> rows) =>
        columns.Select((c, i) => rows.Any(r => ReferenceEquals(r[i], NotAnswered))).ToArray();

    /// <summary>
    /// The rows as a DuckDB derived table with typed columns (no rows: an empty typed SELECT), NULL
    /// where a value is refused and, after the view's columns, one boolean "__na{i}" per refused
    /// column marking its refused cells: the rows can be kept in a table, since reading them never fails.
    /// </summary>
    public static string RowsSql(IReadOnlyList<(string Name, SqlType Type)> columns, IReadOnlyList<object?[]> rows, bool[] refused)
    {
        var marks = Enumerable.Range(0, columns.Count).Where(i => refused[i]).ToList();
        string names = string.Join(", ", columns.Select(c => Id(c.Name)).Concat(marks.Select(i => $"\"__na{i}\"")));
        if (rows.Count == 0)
            return "(SELECT " + string.Join(", ", columns.Select(c => $"CAST(NULL AS {DuckTypes.Of(c.Type)}) AS {Id(c.Name)}").Concat(marks.Select(i => $"false AS \"__na{i}\""))) + " WHERE false)";
        var values = rows.Select(r => "(" + string.Join(", ", r.Select((v, i) => ReferenceEquals(v, NotAnswered) ? Literal(null, columns[i].Type) : Literal(v, columns[i].Type))
            .Concat(marks.Select(i => ReferenceEquals(r[i], NotAnswered) ? "true" : "false"))) + ")");
        return $"(SELECT * FROM (VALUES {string.Join(", ", values)}) AS \"__sys\"({names}))";
    }

    /// <summary>
    /// The view read from <paramref name="source"/> (its rows or the table they are kept in): a
    /// refused cell raises the sandbox's refusal when a row holding it is read; the engine leaves
    /// out columns a query does not read, so the others still answer.
    /// </summary>
    public static string Select(string view, IReadOnlyList<(string Name, SqlType Type)> columns, bool[] refused, string source) =>
        !refused.Any(x => x) ? source
            : "(SELECT " + string.Join(", ", columns.Select((c, i) => refused[i]
                ? $"CASE WHEN \"__na{i}\" THEN CAST({RaiseUnsupported($"column {c.Name} of {view} (the sandbox does not have its value)")} AS {DuckTypes.Of(c.Type)}) ELSE {Id(c.Name)} END AS {Id(c.Name)}"
                : Id(c.Name))) + $" FROM {source} AS \"__sysr\")";
}
