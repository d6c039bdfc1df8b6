using EtlAgent.Core.Model;

namespace EtlAgent.Core.Catalog;

/// <summary>
/// The schema the workspace defines (or a live database has): tables, views, table types,
/// sequences and TVF result shapes. Lookups are case-insensitive. Immutable once built.
/// </summary>
public sealed class SchemaCatalog
{
    private readonly Dictionary<QualifiedName, TableDef> _tables;
    private readonly Dictionary<QualifiedName, SequenceDef> _sequences;

    public SchemaCatalog(IEnumerable<TableDef> tables, IEnumerable<SequenceDef> sequences, ExternalNames? external = null)
    {
        External = external ?? ExternalNames.None;
        _tables = new Dictionary<QualifiedName, TableDef>();
        foreach (var t in tables) _tables.TryAdd(t.Name, t); // first definition wins; duplicates are reported by discovery
        _sequences = new Dictionary<QualifiedName, SequenceDef>();
        foreach (var s in sequences) _sequences.TryAdd(s.Name, s);
    }

    private SchemaCatalog(SchemaCatalog declared, IReadOnlyList<TableDef> standIns)
        : this(declared._tables.Values.Concat(standIns), declared._sequences.Values, declared.External)
    {
        StandIns = standIns;
        _projectTables = declared._projectTables;
        _declared = new SchemaCatalog(declared._tables.Values, declared._sequences.Values, declared.External) { StandIns = standIns, _projectTables = declared._projectTables };
    }

    /// <summary>
    /// Tables a database project defines under a name another project's definition holds in this
    /// catalog (each project is its own database: two `staging.Orders` are two tables), by project folder.
    /// </summary>
    private IReadOnlyDictionary<string, IReadOnlyList<TableDef>> _projectTables = new Dictionary<string, IReadOnlyList<TableDef>>();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SchemaCatalog> _byProject = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>This catalog with <paramref name="projectTables"/>: per project folder, its own definitions of names another project's definition holds here.</summary>
    public SchemaCatalog WithProjectTables(IReadOnlyDictionary<string, IReadOnlyList<TableDef>> projectTables)
    {
        if (projectTables.Count == 0) return this;
        var declared = Declared;
        var copy = new SchemaCatalog(declared._tables.Values, declared._sequences.Values, declared.External) { _projectTables = projectTables };
        return StandIns.Count == 0 ? copy : copy.WithStandIns(StandIns);
    }

    /// <summary>
    /// The catalog as code of the database project in <paramref name="projectFolder"/> sees it: that
    /// project's own definition of a name two projects define, this catalog otherwise.
    /// </summary>
    public SchemaCatalog ForProject(string? projectFolder)
    {
        if (projectFolder is null || !_projectTables.TryGetValue(projectFolder, out var own)) return this;
        return _byProject.GetOrAdd(projectFolder, _ =>
        {
            var mine = own.ToDictionary(t => t.Name);
            var declared = Declared;
            var scoped = new SchemaCatalog(declared._tables.Values.Select(t => mine.GetValueOrDefault(t.Name) ?? t), declared._sequences.Values, declared.External);
            return StandIns.Count == 0 ? scoped : scoped.WithStandIns(StandIns);
        });
    }

    /// <summary>
    /// This catalog with stand-ins for tables the code uses that nothing defines (findable like any
    /// table, for the sandbox and the generator); <see cref="Declared"/> is the catalog without them.
    /// </summary>
    public SchemaCatalog WithStandIns(IReadOnlyList<TableDef> standIns) =>
        standIns.Count == 0 ? this : new SchemaCatalog(this, standIns.OrderBy(t => t.Name).ToList());

    /// <summary>The tables the sandbox stands in for (objects defined nowhere), sorted by name; listed even by <see cref="Declared"/>.</summary>
    public IReadOnlyList<TableDef> StandIns { get; private init; } = Array.Empty<TableDef>();

    /// <summary>The catalog of what is defined (the workspace, a live database, externalObjects): what the rules check against.</summary>
    public SchemaCatalog Declared => _declared ?? this;
    private SchemaCatalog? _declared;

    public static SchemaCatalog Empty { get; } = new(Array.Empty<TableDef>(), Array.Empty<SequenceDef>());

    public IEnumerable<TableDef> All => _tables.Values;

    /// <summary>Tables proper (not views, types or function results), sorted by name.</summary>
    public IEnumerable<TableDef> Tables => _tables.Values.Where(t => t.Kind == TableKind.Table).OrderBy(t => t.Name);

    public IEnumerable<TableDef> Views => _tables.Values.Where(t => t.Kind == TableKind.View).OrderBy(t => t.Name);

    public IEnumerable<SequenceDef> Sequences => _sequences.Values.OrderBy(s => s.Name);

    public TableDef? Find(QualifiedName name) => _tables.GetValueOrDefault(Resolve(name));

    /// <summary>
    /// The catalog name a reference means: a three-part name is the workspace's own object when the
    /// workspace defines schema.name and nothing under the three-part name (a procedure naming its own
    /// database), otherwise the other database's object.
    /// </summary>
    public QualifiedName Resolve(QualifiedName name) =>
        name.Database is not null && !_tables.ContainsKey(name) && _tables.ContainsKey(name.WithoutDatabase) ? name.WithoutDatabase : name;

    /// <summary>
    /// The table type a parameter is declared with (a table-valued parameter), or null. A parameter's
    /// <see cref="SqlType"/> keeps only the type's base name, so the schema is not compared.
    /// </summary>
    public TableDef? FindTableType(SqlType type) =>
        _tables.Values.Where(t => t.Kind == TableKind.TableType && string.Equals(t.Name.Name, type.Name, StringComparison.OrdinalIgnoreCase))
            .OrderBy(t => t.Name).FirstOrDefault();

    public bool TryFind(QualifiedName name, out TableDef table) => _tables.TryGetValue(Resolve(name), out table!);

    public SequenceDef? FindSequence(QualifiedName name) => _sequences.GetValueOrDefault(name);

    public bool Contains(QualifiedName name) => _tables.ContainsKey(Resolve(name));

    /// <summary>Objects declared to exist outside the workspace (manifest `externalObjects`), with or without columns.</summary>
    public ExternalNames External { get; }

    /// <summary>In the catalog, or declared to exist outside the workspace. A stand-in is not known: it exists only because the code uses it.</summary>
    public bool Knows(QualifiedName name) => Find(name) is { StandIn: null } || External.Matches(Resolve(name));

    public int Count => _tables.Count;
}
