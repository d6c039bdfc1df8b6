using EtlAgent.Core.Model;
using EtlAgent.Core.Translation;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Sandbox.DuckDb;

/// <summary>
/// The object ids of the sandbox's database: every table, view, procedure, function and sequence of
/// the workspace has a stable id (a hash of its lower-cased schema-qualified name, the same in every
/// run), with its type code as sys.objects shows it; schemas have ids as in a new database (dbo 1,
/// guest 2, INFORMATION_SCHEMA 3, sys 4, the workspace's schemas hashed from 5 up).
/// </summary>
internal sealed class SandboxObjectIds
{
    private readonly Dictionary<QualifiedName, string> _types = new();
    private readonly Dictionary<int, QualifiedName> _byId = new();
    private readonly Dictionary<string, int> _schemaIds = new(StringComparer.OrdinalIgnoreCase);

    public SandboxObjectIds(SandboxModel model)
    {
        foreach (var t in model.Catalog.All)
            if (t.Kind is TableKind.Table or TableKind.View) Add(t.Name, t.Kind == TableKind.View ? "V" : "U");
        foreach (var s in model.Catalog.Sequences) Add(s.Name, "SO");
        foreach (var p in model.Procedures.Keys) Add(p, "P");
        foreach (var (name, f) in model.Functions)
            Add(name, ((FunctionStatementBody)f.Syntax.Definition!).ReturnType switch
            {
                SelectFunctionReturnType => "IF",
                TableValuedFunctionReturnType => "TF",
                _ => "FN",
            });
        foreach (var schema in new[] { "dbo", "guest", "INFORMATION_SCHEMA", "sys" }.Concat(_types.Keys.Select(n => n.Schema)))
            _schemaIds.TryAdd(schema, MetadataFunctions.SchemaIdOf(schema));
    }

    private void Add(QualifiedName name, string type)
    {
        var key = name.WithoutDatabase;
        if (_types.ContainsKey(key)) return;
        _types[key] = type;
        _byId.TryAdd(Id(key), key);
    }

    public static int Id(QualifiedName name) => MetadataFunctions.IdOf(name);

    public static int Id(string text) => MetadataFunctions.IdOf(text);

    /// <summary>Every object with its type code.</summary>
    public IReadOnlyList<(QualifiedName Name, string Type)> All => _all ??= _types.Select(p => (p.Key, p.Value)).OrderBy(p => p.Key.Schema, StringComparer.OrdinalIgnoreCase).ThenBy(p => p.Key.Name, StringComparer.OrdinalIgnoreCase).ToList();
    private IReadOnlyList<(QualifiedName, string)>? _all;

    /// <summary>The type code of an object of the workspace (U, V, P, FN, IF, TF, SO), or null.</summary>
    public string? TypeOf(QualifiedName name) => _types.GetValueOrDefault(name.WithoutDatabase);

    public QualifiedName? NameOf(int id) => _byId.TryGetValue(id, out var n) ? n : null;

    public int? SchemaId(string schema) => _schemaIds.TryGetValue(schema, out var id) ? id : null;

    public string? SchemaName(int id) => _schemaIds.FirstOrDefault(p => p.Value == id).Key;
}
