using EtlAgent.Core.Catalog;
using EtlAgent.Core.Discovery;
using EtlAgent.Core.Model;
using EtlAgent.Core.Rules;
using EtlAgent.Core.Syntax;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.WorkspaceModel;

/// <summary>
/// Stand-in tables for objects the code uses but nothing defines (a logging table made by another
/// repository, a table of another database, one a pipeline creates at run time): their columns are
/// the ones the code names (INSERT column lists, columns read through the table's alias or name,
/// unqualified columns when it is the only unknown source), typed from what each is compared with,
/// joined to or assigned from, and a wide nullable type otherwise. Computed once per catalog, so
/// the sandbox, the generator and the test files all see the same shape. Declared objects win.
/// </summary>
public static class StandInInference
{
    public static IReadOnlyList<TableDef> Infer(IEnumerable<DocumentFacts> documents, SchemaCatalog catalog) =>
        Merge(documents.OrderBy(d => d.Document.Path, StringComparer.Ordinal).Select(d => Collect(d, catalog)));

    /// <summary>What one document's code tells about undefined tables (needs the document's syntax; a lean document tells nothing).</summary>
    public static StandInUses Collect(DocumentFacts document, SchemaCatalog catalog)
    {
        var uses = new StandInUses(document.Document.Path);
        foreach (var t in document.Transformations)
        {
            if (t.Body.Count == 0) continue;
            new StandInUsageWalker(document.Document, catalog.Declared, t.Parameters, uses.Usages, uses.Created, uses.Deferred).Walk(t.Body);
            // dynamic SQL whose text the code shows names tables too (a staging table a copy pipeline makes, read only
            // in `EXEC sp_executesql N'INSERT … FROM Stg.T'`): without a stand-in the sandbox's run of it fails with 208
            if (t.Definition is null) continue;
            foreach (var d in DynamicSqlText.Of(new SyntaxIndex(t.Definition), SqlParser.DefaultCompatibilityLevel))
                new StandInUsageWalker(document.Document, catalog.Declared, t.Parameters, uses.Usages, uses.Created, uses.Deferred, d)
                    .Walk(d.Tree is TSqlScript script ? script.Batches.SelectMany(b => b.Statements) : new[] { d.Tree });
        }
        return uses;
    }

    /// <summary>
    /// The stand-ins of a workspace from its documents' uses, merged in path order (so a streaming
    /// analysis and a retained one agree): first use, column order and, between equally strong type
    /// evidence, the first document's win. A table some code creates (CREATE TABLE, SELECT INTO) gets none.
    /// An unqualified column of a query over several undefined tables goes to the one any code shows with
    /// it (a qualified reference, an INSERT list, in whatever document), else to the first in FROM order:
    /// decided per document, a view could give it to one table while a procedure names it on another,
    /// and the view would not bind (ambiguous column) although SQL Server's tables have it once.
    /// </summary>
    public static IReadOnlyList<TableDef> Merge(IEnumerable<StandInUses> perDocument)
    {
        var usages = new Dictionary<QualifiedName, StandInUsage>();
        var created = new HashSet<QualifiedName>();
        var deferred = new List<DeferredColumn>();
        foreach (var doc in perDocument.OrderBy(d => d.Path, StringComparer.Ordinal))
        {
            created.UnionWith(doc.Created);
            deferred.AddRange(doc.Deferred);
            foreach (var (name, usage) in doc.Usages)
            {
                if (usages.TryGetValue(name, out var known)) known.Absorb(usage);
                else usages[name] = usage;
            }
        }
        foreach (var d in deferred)
        {
            var tables = d.Candidates.Select(c => usages[c]).ToList();
            var owner = tables.FirstOrDefault(u => u.Has(d.Column)) ?? tables[0];
            owner.AddColumn(d.Column, d.At);
            if (d.Typed is var (type, strength, from)) owner.AddType(d.Column, type, strength, from);
        }
        return usages.Values
            .Where(u => u.Columns.Count > 0 && !created.Contains(u.Name))
            .OrderBy(u => u.Name)
            .Select(u => u.ToTable())
            .ToList();
    }
}

/// <summary>One document's uses of tables nothing defines, and the tables its code creates.</summary>
public sealed class StandInUses(string path)
{
    public string Path { get; } = path;
    internal Dictionary<QualifiedName, StandInUsage> Usages { get; } = new();
    internal HashSet<QualifiedName> Created { get; } = new();
    internal List<DeferredColumn> Deferred { get; } = new();
}

/// <summary>An unqualified column of a query whose undefined sources are <paramref name="Candidates"/> (FROM order): which one has it is decided over the whole workspace.</summary>
internal sealed record DeferredColumn(IReadOnlyList<QualifiedName> Candidates, string Column, Location At)
{
    /// <summary>The type a typed use gave it (copied into a typed column), for whichever table gets it.</summary>
    public (SqlType Type, int Strength, string From)? Typed { get; init; }
}

/// <summary>What the code tells about one undefined table, gathered over every transformation.</summary>
internal sealed class StandInUsage(QualifiedName name, Location firstUse)
{
    public QualifiedName Name { get; } = name;
    public Location FirstUse { get; } = firstUse;
    public List<(string Name, Location At)> Columns { get; } = new();
    private readonly Dictionary<string, (SqlType Type, int Strength, string From)> _types = new(StringComparer.OrdinalIgnoreCase);

    public bool Has(string column) => Columns.Any(c => string.Equals(c.Name, column, StringComparison.OrdinalIgnoreCase));

    public void AddColumn(string column, Location at)
    {
        if (!Has(column)) Columns.Add((column, at));
    }

    /// <summary>Keeps the strongest evidence: a declared column beats a variable or CAST, which beat a literal.</summary>
    public void AddType(string column, SqlType type, int strength, string from)
    {
        if (type.Name is "sql_variant" or "table") return;
        if (!_types.TryGetValue(column, out var known) || known.Strength < strength) _types[column] = (type, strength, from);
    }

    /// <summary>Adds a later document's uses: its new columns after these, its types where stronger.</summary>
    public void Absorb(StandInUsage later)
    {
        foreach (var (column, at) in later.Columns) AddColumn(column, at);
        foreach (var (column, (type, strength, from)) in later._types) AddType(column, type, strength, from);
    }

    public TableDef ToTable()
    {
        var columns = new List<ColumnDef>();
        var origins = new List<StandInColumn>();
        foreach (var (column, at) in Columns)
        {
            bool typed = _types.TryGetValue(column, out var t);
            columns.Add(new ColumnDef(column, typed ? t.Type : StandInTables.WideType, Nullable: true, Location: at));
            origins.Add(new StandInColumn(column, at, typed ? t.From : null));
        }
        return new TableDef(Name, TableKind.Table, columns, null, Array.Empty<KeyDef>(), Array.Empty<ForeignKeyDef>(),
            Array.Empty<CheckDef>(), FirstUse, StandIn: new StandInOrigin(FirstUse, origins));
    }
}
