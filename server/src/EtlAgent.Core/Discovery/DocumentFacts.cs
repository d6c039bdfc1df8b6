using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Discovery;

/// <summary>
/// A transformation as found in one document, before the workspace catalog exists:
/// everything but column lineage, which needs the catalog.
/// </summary>
public sealed record TransformationSyntax(
    string Name,
    TransformationKind Kind,
    TextRange HeaderRange,
    TextRange BodyRange,
    IReadOnlyList<TSqlFragment> Body,
    IReadOnlyList<QualifiedName> Reads,
    IReadOnlyList<QualifiedName> Writes,
    IReadOnlyList<QualifiedName> Calls,
    IReadOnlyList<ParameterDef> Parameters,
    /// <summary>The defining statement (CREATE PROCEDURE/VIEW/FUNCTION); null for scripts.</summary>
    TSqlStatement? Definition)
{
    /// <summary>Without syntax nodes (see <see cref="SqlDocument.WithoutTree"/>).</summary>
    public TransformationSyntax WithoutSyntax() => this with { Body = Array.Empty<TSqlFragment>(), Definition = null };
}

/// <summary>What one document contributes to the workspace. Recomputed only when the document changes.</summary>
public sealed record DocumentFacts(
    SqlDocument Document,
    IReadOnlyList<TableDef> Tables,
    IReadOnlyList<SequenceDef> Sequences,
    IReadOnlyList<TransformationSyntax> Transformations,
    /// <summary>Views are catalog objects too; their columns are derived once the catalog is known.</summary>
    IReadOnlyList<ViewStatementBody> Views,
    IReadOnlyList<FunctionStatementBody> Functions)
{
    /// <summary>CREATE SYNONYM statements: names the catalog maps to their targets.</summary>
    public IReadOnlyList<SynonymDef> Synonyms { get; init; } = Array.Empty<SynonymDef>();

    /// <summary>Columns added by ALTER TABLE ... ADD, merged into their tables by the catalog.</summary>
    public IReadOnlyList<TableDef> AddedColumns { get; init; } = Array.Empty<TableDef>();

    /// <summary>Columns whose type ALTER TABLE ... ALTER COLUMN changes (a widened varchar), one column per table record, applied by the catalog.</summary>
    public IReadOnlyList<TableDef> AlteredColumns { get; init; } = Array.Empty<TableDef>();

    /// <summary>Defaults added by ALTER TABLE ... ADD DEFAULT ... FOR column, merged into their columns by the catalog.</summary>
    public IReadOnlyList<ColumnDefault> AddedDefaults { get; init; } = Array.Empty<ColumnDefault>();

    /// <summary>
    /// Tables and table types created inside a script's IF / BEGIN ... END / TRY blocks (`IF NOT EXISTS
    /// (...) CREATE TABLE ...`): "create unless already there", so the catalog uses them only for names
    /// no top-level definition claims, and they never compete as duplicates.
    /// </summary>
    public IReadOnlyList<TableDef> GuardedTables { get; init; } = Array.Empty<TableDef>();

    /// <summary>Sequences created inside a script's blocks, used like <see cref="GuardedTables"/>.</summary>
    public IReadOnlyList<SequenceDef> GuardedSequences { get; init; } = Array.Empty<SequenceDef>();

    /// <summary>Columns renamed by `EXEC sp_rename '...', '...', 'COLUMN'`, applied by the catalog after the document's ALTER TABLE ... ADD.</summary>
    public IReadOnlyList<ColumnRename> ColumnRenames { get; init; } = Array.Empty<ColumnRename>();

    /// <summary>Schemas this document marks as tSQLt test classes (see <see cref="TsqltCode.TestClassMarkedBy"/>).</summary>
    public IReadOnlyList<string> TestClasses { get; init; } = Array.Empty<string>();

    /// <summary>Catalog records and transformation summaries only: the syntax tree can be collected.</summary>
    public DocumentFacts WithoutSyntax() => new(Document.WithoutTree(), Tables, Sequences,
        Transformations.Select(t => t.WithoutSyntax()).ToList(), Array.Empty<ViewStatementBody>(), Array.Empty<FunctionStatementBody>())
    {
        Synonyms = Synonyms,
        AddedColumns = AddedColumns,
        AlteredColumns = AlteredColumns,
        AddedDefaults = AddedDefaults,
        GuardedTables = GuardedTables,
        GuardedSequences = GuardedSequences,
        ColumnRenames = ColumnRenames,
        TestClasses = TestClasses,
    };
}
