using System.Globalization;
using EtlAgent.Core.Model;
using EtlAgent.Core.Translation;
using static EtlAgent.Core.Translation.SqlText;

namespace EtlAgent.Core.Sandbox.DuckDb;

internal sealed partial class Interpreter
{
    private SandboxObjectIds? _objectIds;

    private SandboxObjectIds ObjectIds => _objectIds ??= new SandboxObjectIds(_model);

    private static readonly SqlType SysName = new("nvarchar", 128);

    /// <summary>@@PROCID: the id of the running procedure or function, 0 in a batch.</summary>
    private int ProcId() => _frame.Procedure is { } p && QualifiedName.TryParse(p, out var qn) ? SandboxObjectIds.Id(qn) : 0;

    /// <summary>
    /// The rows a catalog table has now (sys.dm_db_partition_stats): a table the sandbox has not
    /// created yet has none, so it is not created to count them.
    /// </summary>
    private long RowCount(string schemaAndName)
    {
        var parts = schemaAndName.Split('\n');
        var qn = new QualifiedName(parts[0], parts[1]);
        if (!_schema.Exists(qn)) return 0;
        return Convert.ToInt64(Query($"SELECT count(*) FROM {Table(qn)}").Rows[0][0], CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// OBJECT_ID, OBJECT_NAME, OBJECT_SCHEMA_NAME, SCHEMA_NAME, SCHEMA_ID over the workspace's objects
    /// and the #temp tables in scope (<see cref="MetadataFunctions"/> makes the request).
    /// </summary>
    private (object? Value, SqlType Type)? Metadata(string request)
    {
        var f = request[MetadataFunctions.Prefix.Length..].Split('\n');
        switch (f[0])
        {
            case "OBJECT_ID":
                return (ObjectId(f[1].Trim(), f[2].Trim()), SqlTranslator.Int);
            case "OBJECT_NAME" or "OBJECT_SCHEMA_NAME":
            {
                var name = int.TryParse(f[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) ? ObjectIds.NameOf(id) : null;
                return (name is not QualifiedName n ? null : f[0] == "OBJECT_NAME" ? n.Name : n.Schema, SysName);
            }
            case "SCHEMA_NAME":
                return (int.TryParse(f[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var sid) ? ObjectIds.SchemaName(sid) : null, SysName);
            case "CURSOR_STATUS":
                return (CursorStatus(f[1], f[2]), new SqlType("smallint"));
            case "SCHEMA_ID":
                return (ObjectIds.SchemaId(QualifiedName.SplitParts(f[1]).LastOrDefault() ?? f[1]), SqlTranslator.Int);
        }
        return null;
    }

    /// <summary>CURSOR_STATUS('local' | 'global', name): -3 when no cursor of that name has that scope.</summary>
    private short CursorStatus(string scope, string name)
    {
        for (var f = _frame; f is not null; f = f.Caller)
            if (f.Cursors.TryGetValue(name, out var c))
                return c.Local != (scope == "local") ? (short)-3
                    : c.Rows is null ? (short)-1 : c.Rows.Count == 0 && c.Static ? (short)0 : (short)1;
        return -3;
    }

    private object? ObjectId(string text, string type)
    {
        if (text.StartsWith("tempdb.", StringComparison.OrdinalIgnoreCase))
        {
            var local = QualifiedName.SplitParts(text, keepEmpty: true);
            text = local.Count == 3 ? local[2] : text;
        }
        if (text.StartsWith('#'))
            return FindLocal(text) is null || type is not ("" or "U") ? null : SandboxObjectIds.Id("tempdb." + text);
        if (!QualifiedName.TryParse(text, out var qn)) return null;
        // another database's objects are not in the sandbox: a silently NULL id would be a different answer
        if (qn.Database is not null) return new UnsupportedConstructException($"OBJECT_ID of '{text}' (an object of another database)", null);
        var actual = (_schema.Dropped(_model.Catalog.Find(qn)?.Name ?? qn) ? null : ObjectIds.TypeOf(qn)) ?? (_schema.MadeView(qn) is not null ? "V" : _schema.MadeTable(qn) is not null ? "U" : null);
        if (actual is null) return null;
        bool matches = type.Length == 0 || string.Equals(type, actual, StringComparison.OrdinalIgnoreCase);
        return matches ? SandboxObjectIds.Id(qn) : null;
    }
}
