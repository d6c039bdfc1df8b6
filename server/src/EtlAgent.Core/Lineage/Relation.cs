using EtlAgent.Core.Model;

namespace EtlAgent.Core.Lineage;

/// <summary>
/// A row source visible in a query scope: a catalog table or view, a CTE, a derived table,
/// a #temp table or a table variable. An open relation (a table missing from the catalog)
/// accepts any column name, so lineage still names the column it could not check.
/// </summary>
internal sealed class Relation
{
    public Relation(string? alias, QualifiedName? table, IReadOnlyList<(string Name, ColumnOrigin Origin)> columns, bool open, TableDef? definition)
    {
        Alias = alias;
        Table = table;
        Columns = columns;
        IsOpen = open;
        Definition = definition;
    }

    public string? Alias { get; }
    public QualifiedName? Table { get; }
    public IReadOnlyList<(string Name, ColumnOrigin Origin)> Columns { get; }
    public bool IsOpen { get; }
    public TableDef? Definition { get; }
    /// <summary>On the outer side of an outer join: every column may be NULL.</summary>
    public bool NullExtended { get; set; }

    public bool Matches(IReadOnlyList<string> qualifier)
    {
        if (qualifier.Count == 0) return true;
        var last = qualifier[^1];
        if (qualifier.Count == 1)
        {
            if (Alias is not null) return string.Equals(Alias, last, StringComparison.OrdinalIgnoreCase);
            return Table is { } t && string.Equals(t.Name, last, StringComparison.OrdinalIgnoreCase);
        }
        // schema.table (or db.schema.table): only an unaliased table can be named so.
        return Alias is null && Table is { } q &&
               string.Equals(q.Name, last, StringComparison.OrdinalIgnoreCase) &&
               string.Equals(q.Schema, qualifier[^2], StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A table of another server or database (see <see cref="ColumnOrigin.NullsElsewhere"/>).</summary>
    public bool Elsewhere { get; init; }

    public ColumnOrigin? Find(string column)
    {
        foreach (var (name, origin) in Columns)
            if (string.Equals(name, column, StringComparison.OrdinalIgnoreCase))
                return NullExtended ? origin with { Nullable = true, NullableAsDeclared = false }
                    : Elsewhere && origin.Nullable != false ? origin with { Nullable = null, NullableAsDeclared = false, NullsElsewhere = true } : origin;
        if (IsOpen)
            return Table is { } t ? new ColumnOrigin(new[] { $"{t}.{column}" }, MappingKind.Direct) { NullsElsewhere = Elsewhere && !NullExtended } : ColumnOrigin.Unknown;
        return null;
    }

    // A table's column origins never change: build them once per definition, not per reference.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<TableDef, IReadOnlyList<(string, ColumnOrigin)>> Origins = new();

    public static Relation ForTable(string? alias, TableDef def)
    {
        var cols = Origins.GetValue(def, d => d.Columns
            .Select(c => (c.Name, new ColumnOrigin(new[] { $"{d.Name}.{c.Name}" }, MappingKind.Direct, c.Type, c.Nullable) { NullableAsDeclared = c.Nullable }))
            .ToList());
        // An incomplete view still types the columns it lists, and accepts others unchecked.
        return new Relation(alias, def.Name, cols, open: !def.IsComplete, def);
    }

    /// <summary>
    /// db.schema.name taken for the workspace's own schema.name (SchemaCatalog.Resolve): its columns are
    /// typed, and a column it lacks is accepted unchecked, since it may well be the other database's table.
    /// </summary>
    public Relation AsNamedThroughDatabase() => new(Alias, Table, Columns, open: true, Definition) { NullExtended = NullExtended };
}

/// <summary>The relations and CTEs visible at one level of a query; inner levels see outer ones.</summary>
internal sealed class QueryScope
{
    public QueryScope(QueryScope? parent) => Parent = parent;

    public QueryScope? Parent { get; }
    public List<Relation> Relations { get; } = new();
    public Dictionary<string, Relation> Ctes { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Relation? FindCte(string name)
    {
        for (var s = this; s is not null; s = s.Parent)
            if (s.Ctes.TryGetValue(name, out var r)) return r;
        return null;
    }

    /// <summary>
    /// GROUP BY over plain expressions: every group has rows, so an aggregate of non-null values is
    /// not null (without GROUP BY an aggregate over no rows is NULL).
    /// </summary>
    public bool Grouped { get; set; }

    private Dictionary<Relation, HashSet<string>>? _notNull;

    /// <summary>A WHERE (or inner join, or MATCHED branch) predicate rejects NULL in this column: rows that pass have a value.</summary>
    public void MarkNotNull(Relation relation, string column)
    {
        _notNull ??= new Dictionary<Relation, HashSet<string>>();
        if (!_notNull.TryGetValue(relation, out var columns))
            _notNull[relation] = columns = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        columns.Add(column);
    }

    /// <summary>Whether this scope or an enclosing one filters NULLs of the column out.</summary>
    public bool IsNotNull(Relation relation, string column)
    {
        for (var s = this; s is not null; s = s.Parent)
            if (s._notNull is not null && s._notNull.TryGetValue(relation, out var columns) && columns.Contains(column)) return true;
        return false;
    }

    private Dictionary<Relation, HashSet<string>>? _nonEmpty;

    /// <summary>A predicate such as `LEN(c) > 0` or `c <> ''` keeps only rows whose column is neither NULL nor empty (nor blank).</summary>
    public void MarkNonEmpty(Relation relation, string column)
    {
        MarkNotNull(relation, column);
        _nonEmpty ??= new Dictionary<Relation, HashSet<string>>();
        if (!_nonEmpty.TryGetValue(relation, out var columns))
            _nonEmpty[relation] = columns = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        columns.Add(column);
    }

    /// <summary>Whether this scope or an enclosing one keeps only rows where the column is not empty.</summary>
    public bool IsNonEmpty(Relation relation, string column)
    {
        for (var s = this; s is not null; s = s.Parent)
            if (s._nonEmpty is not null && s._nonEmpty.TryGetValue(relation, out var columns) && columns.Contains(column)) return true;
        return false;
    }

    /// <summary>Whether a predicate marked anything in this scope itself.</summary>
    public bool HasMarks => _notNull is { Count: > 0 };

    /// <summary>The columns this scope itself marks not NULL (not its parents').</summary>
    public IEnumerable<(Relation Relation, string Column)> OwnNotNull =>
        _notNull is null ? Enumerable.Empty<(Relation, string)>() : _notNull.SelectMany(p => p.Value.Select(c => (p.Key, c)));

    private List<IReadOnlyList<QueryScope>>? _alternatives;

    /// <summary>
    /// An OR in the WHERE whose every branch rejects NULL of some column: each row that passes satisfies at
    /// least one branch. A branch is a scope under this one holding what that branch marks.
    /// </summary>
    public void AddAlternatives(IReadOnlyList<QueryScope> branches) => (_alternatives ??= new()).Add(branches);

    /// <summary>The OR facts of this scope itself (see <see cref="AddAlternatives"/>).</summary>
    public IReadOnlyList<IReadOnlyList<QueryScope>> Alternatives => (IReadOnlyList<IReadOnlyList<QueryScope>>?)_alternatives ?? Array.Empty<IReadOnlyList<QueryScope>>();
}
