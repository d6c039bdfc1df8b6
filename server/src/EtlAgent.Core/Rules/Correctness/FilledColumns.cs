using System.Text.RegularExpressions;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Discovery;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using EtlAgent.Core.Workspace;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>
/// Columns declared NULL-able that every writer in the workspace fills (a staging table's `UpdatedAt` that each
/// loader sets to GETDATE()): a reader of such a column gets a value. A column counts when the table is declared
/// in the workspace (no stand-in, no external object), at least one transformation inserts rows into it, every
/// row-inserting statement of every writer names the column with a value that is never NULL, no statement
/// writes it a value that may be NULL, and no writer is unreadable (INSERT ... EXEC, BULK INSERT, OUTPUT INTO,
/// a write through a CTE, or dynamic SQL in a body that mentions the table's name whose text cannot be rebuilt).
/// A value copied from another server's or database's table counts as filling (its NULLs are not known here), and a
/// call of a user function without arguments does when every definition of the function returns a value never NULL.
/// Dynamic SQL whose text is visible (<see cref="DynamicSqlText"/>) is read like the body's own statements. Each
/// database project is its own database: a writer in another project whose catalog has its own table of the
/// name writes that table, not the reader's. Known only once the whole workspace is scanned; loads from outside
/// it (a tool, a bulk load run by hand) are not seen.
/// </summary>
public sealed class FilledColumns
{
    private readonly IReadOnlyList<TransformationAnalysis> _transformations;
    private readonly SchemaCatalog _catalog;
    private readonly DatabaseProjects _projects;
    private readonly Dictionary<(QualifiedName, string?), IReadOnlySet<string>> _byTable = new();
    private static readonly IReadOnlySet<string> None = new HashSet<string>();

    public FilledColumns(IReadOnlyList<TransformationAnalysis> transformations, SchemaCatalog catalog, DatabaseProjects? projects = null)
    {
        _transformations = transformations;
        _catalog = catalog;
        _projects = projects ?? DatabaseProjects.None;
    }

    /// <summary>Whether every writer fills <paramref name="column"/> of <paramref name="table"/> as code in <paramref name="readerFile"/> sees the table.</summary>
    public bool IsFilled(QualifiedName table, string column, string? readerFile = null)
    {
        var project = readerFile is null ? null : _projects.ProjectOf(readerFile);
        if (!_byTable.TryGetValue((table, project), out var columns)) _byTable[(table, project)] = columns = Of(table, project);
        return columns.Contains(column);
    }

    private IReadOnlySet<string> Of(QualifiedName table, string? project)
    {
        var def = _catalog.ForProject(project).Declared.Find(table);
        if (def is not { Kind: TableKind.Table, StandIn: null } || def.IgnoredOptions?.Contains("EXTERNAL") == true || _catalog.External.Matches(table)) return None;
        var fills = new List<TableFill>();
        foreach (var t in _transformations)
        {
            // another project's own table of the name is another database's table
            if (_projects.ProjectOf(t.Transformation.File) is { } writer && !string.Equals(writer, project, StringComparison.OrdinalIgnoreCase) &&
                _catalog.ForProject(writer).Declared.Find(table) is { } theirs && !SameDefinition(theirs, def)) continue;
            bool writes = t.Transformation.Writes.Contains(table);
            // a body that runs dynamic SQL naming the table may insert anything into it, unless that SQL was read
            if (ReadOnlyProcedures.RunsDynamicSql(t) && Mentions(t, table))
            {
                if (t.DynamicFills is null) return None;
                foreach (var f in t.DynamicFills.Where(f => f.Table == table))
                {
                    if (f.Unreadable) return None;
                    fills.Add(f);
                }
            }
            if (!writes) continue;
            var fill = t.Fills.FirstOrDefault(f => f.Table == table);
            if (fill is null || fill.Unreadable) return None;
            fills.Add(fill);
        }
        HashSet<string>? filled = null;
        foreach (var f in fills.Where(f => f.AddsRows))
            if (filled is null) filled = new HashSet<string>(f.NonNull, StringComparer.OrdinalIgnoreCase);
            else filled.IntersectWith(f.NonNull);
        if (filled is null) return None;
        foreach (var f in fills) filled.ExceptWith(f.MaybeNull);
        foreach (var f in fills)
            foreach (var (column, functions) in f.Functions)
                if (filled.Contains(column) && !functions.All(ReturnsValue)) filled.Remove(column);
        return filled;
    }

    /// <summary>Whether the workspace defines the scalar function, and every definition of it never returns NULL.</summary>
    private bool ReturnsValue(QualifiedName function)
    {
        var definitions = _transformations.Where(t => t.Transformation.Kind == TransformationKind.Function && QualifiedName.Parse(t.Transformation.Name) == function).ToList();
        return definitions.Count > 0 && definitions.All(t => t.ReturnsValue);
    }

    private static bool SameDefinition(TableDef a, TableDef b) =>
        ReferenceEquals(a, b) || (a.Location is { } x && b.Location is { } y && x.File == y.File && x.Range.Start == y.Range.Start);

    /// <summary>
    /// What the dynamic SQL of a procedure leaves in the tables it writes (see <see cref="TransformationAnalysis.DynamicFills"/>):
    /// null unless every EXEC of a string or sp_executesql in it has a text that can be rebuilt, parses, and names its
    /// tables without a run-time part. Read while the syntax tree is there.
    /// </summary>
    public static IReadOnlyList<TableFill>? DynamicFills(TransformationSyntax t, SchemaCatalog catalog, int compatibilityLevel = SqlParser.DefaultCompatibilityLevel)
    {
        if (t.Definition is null) return null;
        var index = new SyntaxIndex(t.Definition);
        var execs = index.OfType<ExecuteStatement>().Count(IsDynamic);
        if (execs == 0) return null;
        var texts = DynamicSqlText.Of(index, compatibilityLevel);
        if (texts.Count != execs) return null;
        var fills = new List<TableFill>();
        foreach (var d in texts)
        {
            var names = d.Index.OfType<NamedTableReference>();
            if (names.Any(n => !d.IsConstant(n))) return null;
            var analyzer = new LineageAnalyzer(catalog, t.Parameters).Analyze(Statements(d.Tree));
            fills.AddRange(analyzer.Fills(names.Select(n => catalog.Resolve(DdlReader.NameOf(n.SchemaObject))).Distinct(), catalog.Resolve));
        }
        return fills;
    }

    private static bool IsDynamic(ExecuteStatement e) => e.ExecuteSpecification?.ExecutableEntity switch
    {
        ExecutableStringList => true,
        ExecutableProcedureReference { ProcedureReference.ProcedureVariable: not null } => true,
        ExecutableProcedureReference { ProcedureReference.ProcedureReference.Name.BaseIdentifier.Value: { } name } =>
            string.Equals(name, "sp_executesql", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    private static IEnumerable<TSqlFragment> Statements(TSqlFragment tree) =>
        tree is TSqlScript script ? script.Batches.SelectMany(b => b.Statements) : new[] { tree };

    /// <summary>
    /// Whether a string literal of the body names the table (read from the text: the syntax tree may be gone by
    /// now). A name the dynamic statement gets from a parameter or a table is not seen.
    /// </summary>
    internal static bool Mentions(TransformationAnalysis t, QualifiedName table)
    {
        var text = t.Document.Text;
        var range = t.Transformation.BodyRange;
        if (range.StartOffset < 0 || range.EndOffset > text.Length || range.Length <= 0) return true;
        foreach (Match m in LiteralsAndComments.Matches(text.Substring(range.StartOffset, range.Length)))
            if (m.Value.EndsWith("'") && m.Value.Contains(table.Name, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    // comments are matched only so that a quote inside one does not start a literal
    private static readonly Regex LiteralsAndComments = new(@"--[^\r\n]*|/\*.*?\*/|N?'(?:[^']|'')*'", RegexOptions.Singleline | RegexOptions.CultureInvariant);
}
