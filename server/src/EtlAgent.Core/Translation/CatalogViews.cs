using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Translation;

/// <summary>
/// The catalog views about modules, parameters and columns, answered over the sandbox's catalog as
/// <see cref="SystemViews"/> answers the others: sys.parameters, sys.columns,
/// INFORMATION_SCHEMA.VIEWS, ROUTINES and PARAMETERS. Each view lists its documented columns; a
/// column whose value the sandbox does not have (a module's text, creation dates) is
/// <see cref="SystemViews.NotAnswered"/>, refused where a statement reads it. Views over objects the
/// catalog does not keep (indexes, partitions, principals, permissions) stay refused where used.
/// </summary>
public static class CatalogViews
{
    private static readonly SqlType Name = new("nvarchar", 128);
    private static readonly SqlType Int = new("int");
    private static readonly SqlType Bit = new("bit");
    private static readonly SqlType TinyInt = new("tinyint");
    private static readonly SqlType SmallInt = new("smallint");
    private static readonly object? No = SystemViews.NotAnswered;

    /// <summary>DATA_TYPE and the type columns INFORMATION_SCHEMA.COLUMNS, ROUTINES and PARAMETERS share, in ROUTINES' order.</summary>
    private static readonly (string, SqlType)[] TypeShape =
    {
        ("DATA_TYPE", Name), ("CHARACTER_MAXIMUM_LENGTH", Int), ("CHARACTER_OCTET_LENGTH", Int), ("COLLATION_CATALOG", Name), ("COLLATION_SCHEMA", Name),
        ("COLLATION_NAME", Name), ("CHARACTER_SET_CATALOG", Name), ("CHARACTER_SET_SCHEMA", Name), ("CHARACTER_SET_NAME", Name),
        ("NUMERIC_PRECISION", TinyInt), ("NUMERIC_PRECISION_RADIX", SmallInt), ("NUMERIC_SCALE", Int), ("DATETIME_PRECISION", SmallInt),
    };

    /// <summary>The view's columns and rows, or null when it is not one of these views.</summary>
    public static (IReadOnlyList<(string Name, SqlType Type)> Columns, IEnumerable<object?[]> Rows)? Of(QualifiedName qn, TranslationEnv env) =>
        (qn.Schema.ToUpperInvariant(), qn.Name.ToUpperInvariant()) switch
        {
            ("SYS", "PARAMETERS") => (SysParameterColumns, Modules(env).SelectMany(m => SysParameters(m.Name, m.Body, env.Catalog.AliasTypes))),
            ("SYS", "COLUMNS") => (SysColumnColumns, Relations(env).SelectMany(t => t.Columns.Select((c, i) => SysColumn(t, c, i)))),
            ("INFORMATION_SCHEMA", "VIEWS") => (ViewColumns, Relations(env).Where(t => t.Kind == TableKind.View).Select(t => ViewRow(t, env))),
            ("INFORMATION_SCHEMA", "ROUTINES") => (RoutineColumns, Modules(env).Select(m => RoutineRow(m.Name, m.Body, env.Catalog.AliasTypes))),
            ("INFORMATION_SCHEMA", "PARAMETERS") => (InfoParameterColumns, Modules(env).SelectMany(m => InfoParameters(m.Name, m.Body, env.Catalog.AliasTypes))),
            _ => null,
        };

    private static List<TableDef> Relations(TranslationEnv env) =>
        env.Catalog.All.Where(t => t.Kind is TableKind.Table or TableKind.View && t.Name.Database is null)
            .OrderBy(t => t.Name.Schema, StringComparer.OrdinalIgnoreCase).ThenBy(t => t.Name.Name, StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>Procedures and functions with their syntax; without the interpreter's modules the rows would be missing, so the view is refused.</summary>
    private static IEnumerable<(QualifiedName Name, ProcedureStatementBodyBase Body)> Modules(TranslationEnv env)
    {
        if (env.Module is null) throw new UnsupportedConstructException("a catalog view of modules outside a running case (in a view or a default)", null);
        foreach (var (name, type) in env.Objects())
            if (type is "P" or "FN" or "IF" or "TF" && env.Module(name) is { } body) yield return (name, body);
    }

    // ------------------------------------------------------------ sys.parameters

    private static readonly (string, SqlType)[] SysParameterColumns =
    {
        ("object_id", Int), ("name", Name), ("parameter_id", Int), ("system_type_id", TinyInt), ("user_type_id", Int),
        ("max_length", SmallInt), ("precision", TinyInt), ("scale", TinyInt), ("is_output", Bit), ("is_cursor_ref", Bit),
        ("has_default_value", Bit), ("is_xml_document", Bit), ("default_value", new SqlType("nvarchar", 4000)), ("xml_collection_id", Int),
        ("is_readonly", Bit), ("is_nullable", Bit), ("encryption_type", Int), ("encryption_type_desc", new SqlType("nvarchar", 64)),
        ("encryption_algorithm_name", Name), ("column_encryption_key_id", Int), ("column_encryption_key_database_name", Name),
    };

    private static IEnumerable<object?[]> SysParameters(QualifiedName module, ProcedureStatementBodyBase body, AliasTypes aliases)
    {
        int id = MetadataFunctions.IdOf(module);
        // a scalar function's return value is parameter 0, with an empty name
        if (body is FunctionStatementBody { ReturnType: ScalarFunctionReturnType srt })
            yield return SysParameter(id, "", 0, DataTypes.From(srt.DataType, aliases), output: true, hasDefault: false, readOnly: false, table: false);
        for (int i = 0; i < body.Parameters.Count; i++)
        {
            var p = body.Parameters[i];
            bool table = p.Modifier == ParameterModifier.ReadOnly;
            // has_default_value: "SQL Server only maintains default values for CLR objects in this catalog view", so 0 for T-SQL modules
            // an alias type's own user_type_id is the database's, which the sandbox does not have: refused where read
            bool alias = aliases.Find(DataTypes.From(p.DataType, AliasTypes.None)) is not null;
            yield return SysParameter(id, p.VariableName.Value, i + 1, DataTypes.From(p.DataType, aliases), p.Modifier == ParameterModifier.Output, false, table, table, alias);
        }
    }

    private static object?[] SysParameter(int id, string name, int ordinal, SqlType type, bool output, bool hasDefault, bool readOnly, bool table, bool alias = false)
    {
        var facts = table ? null : SystemTypes.Of(type);
        return new[]
        {
            id, name, ordinal, facts?.SystemTypeId ?? No, alias ? No : facts?.UserTypeId ?? No, facts?.MaxLength ?? No, facts?.Precision ?? No, facts?.Scale ?? No,
            output, false, hasDefault, false, null, 0, readOnly, (object?)true, null, null, null, null, null,
        };
    }

    // ------------------------------------------------------------ sys.columns

    private static readonly (string, SqlType)[] SysColumnColumns =
    {
        ("object_id", Int), ("name", Name), ("column_id", Int), ("system_type_id", TinyInt), ("user_type_id", Int), ("max_length", SmallInt),
        ("precision", TinyInt), ("scale", TinyInt), ("collation_name", Name), ("is_nullable", Bit), ("is_ansi_padded", Bit), ("is_rowguidcol", Bit),
        ("is_identity", Bit), ("is_computed", Bit), ("is_filestream", Bit), ("is_replicated", Bit), ("is_non_sql_subscribed", Bit),
        ("is_merge_published", Bit), ("is_dts_replicated", Bit), ("is_xml_document", Bit), ("xml_collection_id", Int), ("default_object_id", Int),
        ("rule_object_id", Int), ("is_sparse", Bit), ("is_column_set", Bit), ("generated_always_type", TinyInt),
        ("generated_always_type_desc", new SqlType("nvarchar", 60)), ("encryption_type", Int), ("encryption_type_desc", new SqlType("nvarchar", 64)),
        ("encryption_algorithm_name", Name), ("column_encryption_key_id", Int), ("column_encryption_key_database_name", Name),
        ("is_hidden", Bit), ("is_masked", Bit), ("graph_type", Int), ("graph_type_desc", new SqlType("nvarchar", 60)),
    };

    private static object?[] SysColumn(TableDef t, ColumnDef c, int i)
    {
        var f = SystemTypes.Of(c.Type);
        return new[]
        {
            // a column of an alias type: the base type's system_type_id; its own user_type_id is the database's, refused where read
            MetadataFunctions.IdOf(t.Name), c.Name, i + 1, f?.SystemTypeId ?? No, c.AliasType is null ? f?.UserTypeId ?? No : No, f?.MaxLength ?? No, f?.Precision ?? No, f?.Scale ?? No,
            c.Type.IsString ? "SQL_Latin1_General_CP1_CI_AS" : null, c.Nullable,
            // ANSI_PADDING is ON when the sandbox's tables are made (the default): on for character and binary columns
            (object?)(c.Type.IsString || c.Type.IsBinary), false, c.Identity, c.Computed is not null, false, false, false, false, false, false, 0,
            // a DEFAULT constraint is an object of its own whose id the sandbox does not have
            c.Default is null && c.Sequence is null ? 0 : No, 0, false, false, (byte)0, "NOT_APPLICABLE", null, null, null, null, null,
            false, false, null, null,
        };
    }

    // ------------------------------------------------------------ INFORMATION_SCHEMA.VIEWS

    private static readonly (string, SqlType)[] ViewColumns =
    {
        ("TABLE_CATALOG", Name), ("TABLE_SCHEMA", Name), ("TABLE_NAME", Name), ("VIEW_DEFINITION", new SqlType("nvarchar", 4000)),
        ("CHECK_OPTION", new SqlType("varchar", 7)), ("IS_UPDATABLE", new SqlType("varchar", 2)),
    };

    private static object?[] ViewRow(TableDef t, TranslationEnv env)
    {
        object? check = env.View?.Invoke(t.Name) is { } v ? (v.Body.WithCheckOption ? "CASCADE" : "NONE") : No;
        // IS_UPDATABLE: "Specifies whether the view is updatable. Always returns NO."
        return new[] { "Sandbox", t.Name.Schema, t.Name.Name, No, check, "NO" };
    }

    // ------------------------------------------------------------ INFORMATION_SCHEMA.ROUTINES and PARAMETERS

    private static readonly (string, SqlType)[] RoutineColumns =
        new[] { "SPECIFIC_CATALOG", "SPECIFIC_SCHEMA", "SPECIFIC_NAME", "ROUTINE_CATALOG", "ROUTINE_SCHEMA", "ROUTINE_NAME" }.Select(n => (n, Name))
        .Append(("ROUTINE_TYPE", new SqlType("nvarchar", 20)))
        .Concat(new[] { "MODULE_CATALOG", "MODULE_SCHEMA", "MODULE_NAME", "UDT_CATALOG", "UDT_SCHEMA", "UDT_NAME" }.Select(n => (n, Name)))
        .Concat(TypeShape)
        .Concat(new (string, SqlType)[]
        {
            ("INTERVAL_TYPE", new SqlType("nvarchar", 30)), ("INTERVAL_PRECISION", SmallInt), ("TYPE_UDT_CATALOG", Name), ("TYPE_UDT_SCHEMA", Name), ("TYPE_UDT_NAME", Name),
            ("SCOPE_CATALOG", Name), ("SCOPE_SCHEMA", Name), ("SCOPE_NAME", Name), ("MAXIMUM_CARDINALITY", new SqlType("bigint")), ("DTD_IDENTIFIER", Name),
            ("ROUTINE_BODY", new SqlType("nvarchar", 30)), ("ROUTINE_DEFINITION", new SqlType("nvarchar", 4000)), ("EXTERNAL_NAME", Name),
            ("EXTERNAL_LANGUAGE", new SqlType("nvarchar", 30)), ("PARAMETER_STYLE", new SqlType("nvarchar", 30)), ("IS_DETERMINISTIC", new SqlType("nvarchar", 10)),
            ("SQL_DATA_ACCESS", new SqlType("nvarchar", 30)), ("IS_NULL_CALL", new SqlType("nvarchar", 10)), ("SQL_PATH", Name),
            ("SCHEMA_LEVEL_ROUTINE", new SqlType("nvarchar", 10)), ("MAX_DYNAMIC_RESULT_SETS", SmallInt), ("IS_USER_DEFINED_CAST", new SqlType("nvarchar", 10)),
            ("IS_IMPLICITLY_INVOCABLE", new SqlType("nvarchar", 10)), ("CREATED", new SqlType("datetime")), ("LAST_ALTERED", new SqlType("datetime")),
        }).ToArray();

    private static object?[] RoutineRow(QualifiedName name, ProcedureStatementBodyBase body, AliasTypes aliases)
    {
        var returns = body is FunctionStatementBody f ? f.ReturnType : null;
        object?[] type = returns switch
        {
            ScalarFunctionReturnType srt => TypeValues(DataTypes.From(srt.DataType, aliases)),
            null => new object?[TypeShape.Length],
            // "Returns TABLE if a table-valued function"
            _ => new object?[] { "TABLE" }.Concat(new object?[TypeShape.Length - 1]).ToArray(),
        };
        var head = new object?[] { "Sandbox", name.Schema, name.Name, "Sandbox", name.Schema, name.Name, returns is null ? "PROCEDURE" : "FUNCTION", null, null, null, null, null, null };
        var tail = new object?[]
        {
            null, null, null, null, null, null, null, null, null, null, "SQL", No, null, null, null,
            // "always NO for stored procedures"; "READS for all functions, MODIFIES for all stored procedures"; "always YES"; "0 if functions"
            returns is null ? "NO" : No, returns is null ? "MODIFIES" : "READS", No, null, "YES", returns is null ? No : (short)0, "NO", "NO", No, No,
        };
        return head.Concat(type).Concat(tail).ToArray();
    }

    private static readonly (string, SqlType)[] InfoParameterColumns =
        new[] { ("SPECIFIC_CATALOG", Name), ("SPECIFIC_SCHEMA", Name), ("SPECIFIC_NAME", Name), ("ORDINAL_POSITION", Int),
                ("PARAMETER_MODE", new SqlType("nvarchar", 10)), ("IS_RESULT", new SqlType("nvarchar", 10)), ("AS_LOCATOR", new SqlType("nvarchar", 10)), ("PARAMETER_NAME", Name) }
        .Concat(TypeShape)
        .Concat(new[] { ("INTERVAL_TYPE", new SqlType("nvarchar", 30)), ("INTERVAL_PRECISION", SmallInt), ("USER_DEFINED_TYPE_CATALOG", Name), ("USER_DEFINED_TYPE_SCHEMA", Name),
                        ("USER_DEFINED_TYPE_NAME", Name), ("SCOPE_CATALOG", Name), ("SCOPE_SCHEMA", Name), ("SCOPE_NAME", Name) }).ToArray();

    private static IEnumerable<object?[]> InfoParameters(QualifiedName name, ProcedureStatementBodyBase body, AliasTypes aliases)
    {
        object?[] Row(int ordinal, string mode, bool result, string? pname, SqlType type) =>
            new object?[] { "Sandbox", name.Schema, name.Name, ordinal, mode, result ? "YES" : "NO", "NO", pname }
                .Concat(TypeValues(type)).Concat(new object?[8]).ToArray();
        // a function's return value: position 0, "NULL if this corresponds to the return value of a function"
        if (body is FunctionStatementBody { ReturnType: ScalarFunctionReturnType srt })
            yield return Row(0, "OUT", true, null, DataTypes.From(srt.DataType, aliases));
        for (int i = 0; i < body.Parameters.Count; i++)
        {
            var p = body.Parameters[i];
            yield return Row(i + 1, p.Modifier == ParameterModifier.Output ? "INOUT" : "IN", false, p.VariableName.Value, DataTypes.From(p.DataType, aliases));
        }
    }

    /// <summary>The <see cref="TypeShape"/> values of a type, as INFORMATION_SCHEMA.COLUMNS gives them.</summary>
    internal static object?[] TypeValues(SqlType ty)
    {
        if (SystemTypes.Of(ty) is null)
            // an alias or table type: its base type is not known here
            return Enumerable.Repeat(No, TypeShape.Length).ToArray();
        var (type, chars, octets, p, radix, scale, dtp, text) = Shape(ty);
        return new object?[]
        {
            type, chars, octets, null, null, text ? "SQL_Latin1_General_CP1_CI_AS" : null, null, null, text ? (ty.IsUnicode ? "UNICODE" : "iso_1") : null,
            p is null ? null : (byte)p.Value, radix is null ? null : (short)radix.Value, scale, dtp is null ? null : (short)dtp.Value,
        };
    }

    /// <summary>
    /// What INFORMATION_SCHEMA says of a declared type: its name, lengths in characters and bytes (-1 for max),
    /// numeric precision, radix and scale, datetime precision, and whether it holds text with a collation.
    /// </summary>
    internal static (string Type, int? Chars, int? Octets, int? Precision, int? Radix, int? Scale, int? DatetimePrecision, bool Text) Shape(SqlType ty)
    {
        string type = ty.Name == "sysname" ? "nvarchar" : ty.Name.ToLowerInvariant();
        int? chars = ty.IsString || type is "varbinary" or "binary" ? (ty.IsMax ? -1 : ty.Length ?? 1) * (ty.Name == "sysname" ? 128 : 1) : null;
        int? octets = chars is int n ? (n == -1 ? -1 : ty.IsUnicode ? n * 2 : n) : null;
        (int? p, int? radix, int? scale) = type switch
        {
            "tinyint" => (3, 10, 0), "smallint" => (5, 10, 0), "int" => (10, 10, 0), "bigint" => (19, 10, 0),
            "decimal" or "numeric" => (ty.Precision ?? 18, 10, ty.Scale ?? 0), "money" => (19, 10, 4), "smallmoney" => (10, 10, 4),
            // float(n ≤ 24) is stored as real
            "float" => (ty.Precision is <= 24 ? 24 : 53, 2, null), "real" => (24, 2, null),
            _ => ((int?)null, (int?)null, (int?)null),
        };
        int? dtp = type switch { "date" => 0, "datetime" => 3, "smalldatetime" => 0, "datetime2" or "time" or "datetimeoffset" => ty.Scale ?? 7, _ => null };
        return (type, chars, octets, p, radix, scale, dtp, ty.IsString && type is not "xml");
    }
}
