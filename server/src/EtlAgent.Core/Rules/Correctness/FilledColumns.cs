using System.Text.RegularExpressions;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>
/// Columns declared NULL-able that every writer in the workspace fills (a staging table's `UpdatedAt` that each
/// loader sets to GETDATE()): a reader of such a column gets a value. A column counts when the table is declared
/// in the workspace (no stand-in, no external object), at least one transformation inserts rows into it, every
/// row-inserting statement of every writer names the column with a value that is never NULL, no statement
/// writes it a value that may be NULL, and no writer is unreadable (INSERT ... EXEC, BULK INSERT, OUTPUT INTO,
/// a write through a CTE, or dynamic SQL in a body that mentions the table's name). Known only once the whole
/// workspace is scanned; loads from outside it (a tool, a bulk load run by hand) are not seen.
/// </summary>
public sealed class FilledColumns
{
    private readonly IReadOnlyList<TransformationAnalysis> _transformations;
    private readonly SchemaCatalog _catalog;
    private readonly Dictionary<QualifiedName, IReadOnlySet<string>> _byTable = new();
    private static readonly IReadOnlySet<string> None = new HashSet<string>();

    public FilledColumns(IReadOnlyList<TransformationAnalysis> transformations, SchemaCatalog catalog)
    {
        _transformations = transformations;
        _catalog = catalog;
    }

    public bool IsFilled(QualifiedName table, string column)
    {
        if (!_byTable.TryGetValue(table, out var columns)) _byTable[table] = columns = Of(table);
        return columns.Contains(column);
    }

    private IReadOnlySet<string> Of(QualifiedName table)
    {
        var def = _catalog.Declared.Find(table);
        if (def is not { Kind: TableKind.Table, StandIn: null } || def.IgnoredOptions?.Contains("EXTERNAL") == true || _catalog.External.Matches(table)) return None;
        var fills = new List<TableFill>();
        foreach (var t in _transformations)
        {
            bool writes = t.Transformation.Writes.Contains(table);
            // dynamic SQL is not read: a body that runs it and names the table may insert anything into it
            if (ReadOnlyProcedures.RunsDynamicSql(t) && Mentions(t, table)) return None;
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
        return filled;
    }

    /// <summary>
    /// Whether a string literal of the body names the table (read from the text: the syntax tree may be gone by
    /// now). A name the dynamic statement gets from a parameter or a table is not seen.
    /// </summary>
    private static bool Mentions(TransformationAnalysis t, QualifiedName table)
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
