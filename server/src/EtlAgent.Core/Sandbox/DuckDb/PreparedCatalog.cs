using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Sandbox.DuckDb;

/// <summary>
/// A catalog's sandbox DDL, translated one object at a time on first use and kept: a case builds
/// only the tables it touches (and what they need: FK parents, a view's sources), and a table or
/// view is translated once however many sandboxes use it. So preparing a procedure's sandbox does
/// not grow with the catalog. Every factory over the same catalog and the same view and function
/// definitions shares one (<see cref="PreparedCatalogs"/>): the procedures of a run and every mutant
/// of a procedure. The whole schema at once (<see cref="Objects"/> enumerated, <see cref="Script"/>)
/// is built only when asked for: the eager sandbox and inspection.
/// </summary>
public sealed class PreparedCatalog
{
    private readonly SchemaBuilder _builder;
    private readonly SchemaCatalog _catalog;
    private readonly ConcurrentDictionary<QualifiedName, Entry> _entries = new();
    private readonly object _gate = new();
    /// <summary>Objects being built on the building thread (a view reading itself through another is cut there).</summary>
    private readonly HashSet<QualifiedName> _building = new();
    private readonly Lazy<(string Script, SchemaBuilder Builder)> _whole;

    private sealed record Entry(SchemaObject? Object, Exception? Problem);

    internal PreparedCatalog(WorkspaceAnalysis workspace, bool foreignKeys, IReadOnlyList<TransformationAnalysis> transformations)
    {
        _catalog = workspace.Catalog;
        _builder = new SchemaBuilder(workspace, foreignKeys, transformations);
        _whole = new Lazy<(string, SchemaBuilder)>(() =>
        {
            var builder = new SchemaBuilder(workspace, foreignKeys, transformations);
            return (builder.Build(), builder);
        });
        Objects = new LazyView<SchemaObject>(() => _whole.Value.Builder.Objects, key => Get(key).Object);
        Problems = new LazyView<Exception>(() => _whole.Value.Builder.Problems, key => Get(key).Problem);
    }

    /// <summary>What every sandbox runs first (the NEWID() sequence, the workspace's sequences).</summary>
    public IReadOnlyList<string> BaseStatements => _builder.BaseStatements;

    /// <summary>DDL per table and view; a lookup builds one object, enumerating builds them all (parents first).</summary>
    public IReadOnlyDictionary<QualifiedName, SchemaObject> Objects { get; }

    /// <summary>Tables and views the sandbox cannot build, with the error their users get; a lookup builds that one object.</summary>
    public IReadOnlyDictionary<QualifiedName, Exception> Problems { get; }

    /// <summary>The whole schema as one script (for inspection; builds every object).</summary>
    public string Script => _whole.Value.Script;

    /// <summary>Objects left out of the whole schema, with the reason (builds every object).</summary>
    public IReadOnlyList<string> Skipped => _whole.Value.Builder.Skipped;

    /// <summary>How many objects have been translated so far (tests check a case builds only what it touches).</summary>
    public int Built => _entries.Count;

    private Entry Get(QualifiedName name)
    {
        if (_entries.TryGetValue(name, out var entry)) return entry;
        // one builder at a time: objects are built once, and a view building the objects it reads
        // re-enters on the same thread (a lock per object could deadlock two views built crosswise)
        lock (_gate)
        {
            if (_entries.TryGetValue(name, out entry)) return entry;
            if (!_building.Add(name)) return new Entry(null, null);
            try
            {
                entry = Build(name);
            }
            finally { _building.Remove(name); }
            _entries[name] = entry;
            return entry;
        }
    }

    private Entry Build(QualifiedName name)
    {
        switch (_catalog.Find(name))
        {
            case { Kind: TableKind.Table } t when t.Name == name:
                return _builder.TableObject(t, out var tableProblem) is { } table ? new Entry(table, null) : new Entry(null, tableProblem);
            case { Kind: TableKind.View } v when v.Name == name:
                var view = _builder.ViewObject(v, n => Get(n).Problem, out var problem, out _);
                return new Entry(view, problem);
            default:
                // only catalog names are objects (a lookup by another spelling finds nothing, as the dictionary did)
                return new Entry(null, null);
        }
    }

    /// <summary>A part of the schema as a dictionary: lookups build one object, enumeration the whole schema.</summary>
    private sealed class LazyView<T>(Func<Dictionary<QualifiedName, T>> all, Func<QualifiedName, T?> get) : IReadOnlyDictionary<QualifiedName, T>
        where T : class
    {
        public T this[QualifiedName key] => TryGetValue(key, out var v) ? v : throw new KeyNotFoundException(key.ToString());
        public IEnumerable<QualifiedName> Keys => all().Keys;
        public IEnumerable<T> Values => all().Values;
        public int Count => all().Count;
        public bool ContainsKey(QualifiedName key) => TryGetValue(key, out _);
        public bool TryGetValue(QualifiedName key, [MaybeNullWhen(false)] out T value)
        {
            value = get(key);
            return value is not null;
        }
        public IEnumerator<KeyValuePair<QualifiedName, T>> GetEnumerator() => all().GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
