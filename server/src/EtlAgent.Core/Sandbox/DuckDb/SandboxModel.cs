using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Discovery;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Syntax;
using EtlAgent.Core.Translation;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Sandbox.DuckDb;

/// <summary>What every sandbox of one workspace shares, computed once: catalog, procedures and
/// functions by name (with syntax), and the schema script.</summary>
internal sealed class SandboxModel
{
    /// <param name="catalogs">Catalogs already prepared (the engine's); null: this model prepares its own, object by object as cases use them.</param>
    public SandboxModel(WorkspaceAnalysis workspace, bool foreignKeys, IFileSource? files = null, PreparedCatalogs? catalogs = null)
    {
        _foreignKeyChildren = new(() => Catalog.Tables
            .SelectMany(child => child.ForeignKeys.Select(f => (Parent: f.ReferencedTable, Child: child)))
            .GroupBy(x => x.Parent)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<TableDef>)g.Select(x => x.Child).Distinct().ToList()));
        Workspace = workspace;
        Catalog = workspace.Catalog;
        var reparsed = new Dictionary<string, IReadOnlyList<TransformationSyntax>>(StringComparer.Ordinal);
        var transformations = new List<TransformationAnalysis>();
        foreach (var original in workspace.Transformations)
        {
            var t = original;
            if (!t.HasSyntax)
            {
                // The analysis dropped syntax trees (RetainSyntax = false): parse the file again.
                if (files is null) throw new InvalidOperationException("The sandbox needs an analysis made with RetainSyntax = true, or the workspace files to re-read.");
                var path = t.Transformation.File;
                if (!reparsed.TryGetValue(path, out var syntaxes))
                {
                    var doc = new SqlParser().Parse(path, files.ReadAllText(path));
                    var facts = DocumentScanner.Scan(doc);
                    syntaxes = facts.Transformations;
                    reparsed[path] = syntaxes;
                    _documents[path] = doc;
                }
                var syntax = syntaxes.FirstOrDefault(x => string.Equals(x.Name, t.Transformation.Name, StringComparison.OrdinalIgnoreCase));
                if (syntax is null) continue;
                t = t with { Syntax = syntax, Document = _documents[path] };
            }
            transformations.Add(t);
        }
        Transformations = transformations;
        // a name's first definition is the one in use (a deployment script's copy or an older migration comes after it)
        foreach (var t in transformations)
        {
            if (t.Transformation.Kind == TransformationKind.Procedure && t.Syntax.Definition is ProcedureStatementBody)
                Procedures.TryAdd(QualifiedName.Parse(t.Transformation.Name), t);
            else if (t.Transformation.Kind == TransformationKind.Function && t.Syntax.Definition is FunctionStatementBody)
                Functions.TryAdd(QualifiedName.Parse(t.Transformation.Name), t);
            else if (t.Transformation.Kind == TransformationKind.View && t.Syntax.Definition is ViewStatementBody)
                Views.TryAdd(QualifiedName.Parse(t.Transformation.Name), t);
        }
        ForeignKeys = foreignKeys;
        Schema = catalogs?.For(workspace, foreignKeys, transformations) ?? new PreparedCatalog(workspace, foreignKeys, transformations);
    }

    /// <summary>The catalog's DDL, translated per object on first use (shared by the factories of one engine).</summary>
    public PreparedCatalog Schema { get; }

    private readonly Dictionary<string, SqlDocument> _documents = new(StringComparer.Ordinal);

    public WorkspaceAnalysis Workspace { get; }

    /// <summary>Whether the sandbox enforces foreign keys (a test file can turn them off).</summary>
    public bool ForeignKeys { get; }

    /// <summary>The workspace's transformations, each with its syntax.</summary>
    public IReadOnlyList<TransformationAnalysis> Transformations { get; }

    /// <summary>A document by workspace path (re-parsed when the analysis dropped its tree).</summary>
    public SqlDocument? Document(string path) =>
        _documents.TryGetValue(path, out var d) ? d
        : Workspace.Documents.FirstOrDefault(x => string.Equals(x.Document.Path, path, StringComparison.OrdinalIgnoreCase))?.Document is { Tree: not null } doc ? doc : null;
    public SchemaCatalog Catalog { get; }

    /// <summary>System views this model's sandboxes read as tables: view → (table name, the SELECT of its rows), built once (<see cref="SchemaState.SystemViewTable"/>).</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, (string Table, string Rows)> SystemViewTables { get; } = new(StringComparer.Ordinal);
    /// <summary>For each table, the tables whose foreign keys point at it: built once, on first use, for all of this model's cases.</summary>
    public IReadOnlyDictionary<QualifiedName, IReadOnlyList<TableDef>> ForeignKeyChildren => _foreignKeyChildren.Value;

    private readonly Lazy<IReadOnlyDictionary<QualifiedName, IReadOnlyList<TableDef>>> _foreignKeyChildren;

    public Dictionary<QualifiedName, TransformationAnalysis> Procedures { get; } = new();
    public Dictionary<QualifiedName, TransformationAnalysis> Functions { get; } = new();
    public Dictionary<QualifiedName, TransformationAnalysis> Views { get; } = new();
    public string SchemaScript => Schema.Script;
    public IReadOnlyList<string> BaseStatements => Schema.BaseStatements;
    public IReadOnlyDictionary<QualifiedName, SchemaObject> Objects => Schema.Objects;
    public IReadOnlyList<string> Skipped => Schema.Skipped;
    public IReadOnlyDictionary<QualifiedName, Exception> Problems => Schema.Problems;

    /// <summary>
    /// Whether running <paramref name="transformation"/> can execute a MERGE that goes to DuckDB's own
    /// MERGE (<see cref="SqlTranslator.RunsAsDuckDbMerge"/>), itself or through the procedures it
    /// calls (an unknown name: assumed so). DuckDB 1.5.6 can crash (SIGSEGV in the UPDATE action of
    /// MERGE … RETURNING, reading memory of a previous query), more readily in a reused instance, so
    /// such runs get an instance of their own (see <see cref="SandboxPool"/>). Other MERGEs run as
    /// separate statements and do not reach that code.
    /// </summary>
    public bool ReachesDuckDbMerge(string transformation)
    {
        var start = Transformations.FirstOrDefault(t => string.Equals(t.Transformation.Name, transformation, StringComparison.OrdinalIgnoreCase)
            || string.Equals(t.Transformation.File, transformation, StringComparison.OrdinalIgnoreCase));
        if (start is null) return true;
        var todo = new Stack<TransformationAnalysis>(new[] { start });
        var seen = new HashSet<TransformationAnalysis>(ReferenceEqualityComparer.Instance);
        while (todo.Count > 0)
        {
            var t = todo.Pop();
            if (!seen.Add(t)) continue;
            var finder = new MergeFinder();
            foreach (var f in t.Syntax.Body) f.Accept(finder);
            if (finder.Found) return true;
            foreach (var c in t.Transformation.Calls)
                if (Procedures.TryGetValue(c, out var callee)) todo.Push(callee);
        }
        return false;
    }

    private sealed class MergeFinder : TSqlFragmentVisitor
    {
        public bool Found { get; private set; }
        public override void Visit(MergeStatement node) => Found |= SqlTranslator.RunsAsDuckDbMerge(node.MergeSpecification);
    }
}
