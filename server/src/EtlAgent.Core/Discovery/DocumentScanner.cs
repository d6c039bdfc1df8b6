using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Discovery;

/// <summary>
/// Extracts catalog objects and transformations from one parsed document. Never throws on a
/// partial tree: whatever parsed is scanned.
/// </summary>
public static class DocumentScanner
{
    public static DocumentFacts Scan(SqlDocument doc)
    {
        var tables = new List<TableDef>();
        var sequences = new List<SequenceDef>();
        var transformations = new List<TransformationSyntax>();
        var views = new List<ViewStatementBody>();
        var functions = new List<FunctionStatementBody>();
        var scriptStatements = new List<TSqlStatement>();
        var synonyms = new List<SynonymDef>();
        var added = new List<TableDef>();
        var defaults = new List<ColumnDefault>();
        var guardedTables = new List<TableDef>();
        var guardedSequences = new List<SequenceDef>();
        var altered = new List<TableDef>();
        var renames = new List<ColumnRename>();
        var testClasses = new List<string>();

        // Schema DDL: tables, types, sequences, synonyms, ALTER TABLE ... ADD and sp_rename of a column, at top level or
        // guarded inside a script's IF / BEGIN ... END / TRY blocks (idempotent deployment scripts).
        bool Ddl(TSqlStatement statement, List<TableDef> tableList, List<SequenceDef> sequenceList)
        {
            switch (statement)
            {
                case CreateTableStatement t:
                    tableList.Add(DdlReader.ReadTable(doc, t));
                    return true;
                case CreateExternalTableStatement t when t.SchemaObjectName is not null:
                    tableList.Add(DdlReader.ReadExternalTable(doc, t));
                    return true;
                case CreateSynonymStatement { Name: not null, ForName.BaseIdentifier: not null } syn:
                    synonyms.Add(new SynonymDef(DdlReader.NameOf(syn.Name), DdlReader.NameOf(syn.ForName),
                        syn.ForName.DatabaseIdentifier is not null || syn.ForName.ServerIdentifier is not null, doc.LocationOf(syn.Name)));
                    return true;
                case AlterTableAddTableElementStatement { SchemaObjectName: not null, Definition: not null } alter:
                    // columns, and constraints added apart (keys, foreign keys, checks, defaults: release scripts declare them so)
                    added.Add(DdlReader.ReadAddedColumns(doc, alter));
                    defaults.AddRange(DdlReader.ReadAddedDefaults(doc, alter));
                    return true;
                case AlterTableAlterColumnStatement { SchemaObjectName: not null, ColumnIdentifier: not null, DataType: not null } alterColumn:
                    altered.Add(DdlReader.ReadAlteredColumn(doc, alterColumn));
                    return true;
                case CreateTypeTableStatement t:
                    tableList.Add(DdlReader.ReadTableType(doc, t));
                    return true;
                case CreateSequenceStatement s:
                    sequenceList.Add(DdlReader.ReadSequence(doc, s));
                    return true;
                case ExecuteStatement exec when ColumnRename.Read(doc, exec) is { } rename:
                    // a script statement still (it runs), and a change to the catalog
                    renames.Add(rename);
                    return false;
                default:
                    return false;
            }
        }

        foreach (var statement in TopLevelStatements(doc))
        {
            if (statement is ExecuteStatement exec && TsqltCode.TestClassMarkedBy(exec) is { } testClass) testClasses.Add(testClass);
            if (Ddl(statement, tables, sequences)) continue;
            if (GuardedDdl.IsBlock(statement))
                foreach (var inner in GuardedDdl.Inside(statement))
                    Ddl(inner, guardedTables, guardedSequences);
            switch (statement)
            {
                case ProcedureStatementBody p when p.ProcedureReference?.Name is not null:
                    transformations.Add(Procedure(doc, p));
                    break;
                case ViewStatementBody v when v.SchemaObjectName is not null:
                    views.Add(v);
                    transformations.Add(View(doc, v));
                    break;
                case FunctionStatementBody f when f.Name is not null:
                    functions.Add(f);
                    transformations.Add(Function(doc, f));
                    break;
                default:
                    if (IsScriptStatement(statement)) scriptStatements.Add(statement);
                    break;
            }
        }

        if (scriptStatements.Any(ContainsDml))
            transformations.Add(Script(doc, scriptStatements));

        return new DocumentFacts(doc, tables, sequences, transformations, views, functions)
        {
            Synonyms = synonyms, AddedColumns = added, AlteredColumns = altered, AddedDefaults = defaults,
            GuardedTables = guardedTables, GuardedSequences = guardedSequences, ColumnRenames = renames,
            TestClasses = testClasses,
        };
    }

    public static IEnumerable<TSqlStatement> TopLevelStatements(SqlDocument doc)
    {
        if (doc.Script is null) yield break;
        foreach (var batch in doc.Script.Batches)
            foreach (var statement in batch.Statements)
                yield return statement;
    }

    private static TransformationSyntax Procedure(SqlDocument doc, ProcedureStatementBody p)
    {
        var body = (IReadOnlyList<TSqlFragment>?)p.StatementList?.Statements.Cast<TSqlFragment>().ToList() ?? Array.Empty<TSqlFragment>();
        var access = TableAccessCollector.Collect(body);
        return new TransformationSyntax(
            DdlReader.NameOf(p.ProcedureReference.Name).ToString(),
            TransformationKind.Procedure,
            Header(doc, p, p.ProcedureReference.Name),
            doc.Lines.RangeOf(p),
            body, access.Reads, access.Writes, access.Calls,
            p.Parameters.Select(Parameter).ToList(),
            p);
    }

    private static TransformationSyntax View(SqlDocument doc, ViewStatementBody v)
    {
        var body = new TSqlFragment[] { v.SelectStatement };
        var access = TableAccessCollector.Collect(body);
        return new TransformationSyntax(
            DdlReader.NameOf(v.SchemaObjectName).ToString(),
            TransformationKind.View,
            Header(doc, v, v.SchemaObjectName),
            doc.Lines.RangeOf(v),
            body, access.Reads, access.Writes, access.Calls,
            Array.Empty<ParameterDef>(),
            v);
    }

    private static TransformationSyntax Function(SqlDocument doc, FunctionStatementBody f)
    {
        var body = new List<TSqlFragment>();
        if (f.ReturnType is SelectFunctionReturnType inline) body.Add(inline.SelectStatement);
        if (f.StatementList is not null) body.AddRange(f.StatementList.Statements);
        var access = TableAccessCollector.Collect(body);
        return new TransformationSyntax(
            DdlReader.NameOf(f.Name).ToString(),
            TransformationKind.Function,
            Header(doc, f, f.Name),
            doc.Lines.RangeOf(f),
            body, access.Reads, access.Writes, access.Calls,
            f.Parameters.Select(Parameter).ToList(),
            f);
    }

    private static TransformationSyntax Script(SqlDocument doc, List<TSqlStatement> statements)
    {
        var access = TableAccessCollector.Collect(statements);
        var first = statements.First(ContainsDml);
        // The header is the first line of the first DML statement: where a lens belongs.
        var firstLineEnd = doc.Text.IndexOfAny(new[] { '\r', '\n' }, first.StartOffset);
        if (firstLineEnd < 0) firstLineEnd = doc.Text.Length;
        return new TransformationSyntax(
            doc.Path,
            TransformationKind.Script,
            doc.Lines.Range(first.StartOffset, firstLineEnd),
            doc.Lines.Range(0, doc.Text.Length),
            statements, access.Reads, access.Writes, access.Calls,
            Array.Empty<ParameterDef>(),
            null);
    }

    /// <summary>From the CREATE keyword to the end of the object name.</summary>
    private static TextRange Header(SqlDocument doc, TSqlStatement statement, TSqlFragment name) =>
        doc.Lines.Range(statement.StartOffset, name.StartOffset + name.FragmentLength);

    private static ParameterDef Parameter(ProcedureParameter p) => new(
        p.VariableName.Value,
        DataTypes.From(p.DataType),
        p.Modifier == ParameterModifier.Output,
        p.Modifier == ParameterModifier.ReadOnly,
        p.Value is null ? null : FragmentText(p.Value));

    private static string FragmentText(TSqlFragment f)
    {
        if (f.ScriptTokenStream is null || f.FirstTokenIndex < 0) return "";
        var sb = new System.Text.StringBuilder();
        for (int i = f.FirstTokenIndex; i <= f.LastTokenIndex; i++) sb.Append(f.ScriptTokenStream[i].Text);
        return sb.ToString();
    }

    /// <summary>Statements that belong to a script transformation (not DDL of other objects).</summary>
    private static bool IsScriptStatement(TSqlStatement s) => s switch
    {
        CreateSchemaStatement or CreateIndexStatement or CreatePartitionFunctionStatement or CreatePartitionSchemeStatement => false,
        AlterTableStatement or DropTableStatement or DropProcedureStatement or DropViewStatement or DropFunctionStatement => false,
        CreateTriggerStatement or CreateTypeStatement or CreateStatisticsStatement => false,
        ExternalDataSourceStatement or ExternalFileFormatStatement or ExternalTableStatement or CreateSynonymStatement => false,
        PredicateSetStatement or SetOnOffStatement or UseStatement => false,
        _ => true,
    };

    /// <summary>True when the statement (or a block inside it) holds DML.</summary>
    public static bool ContainsDml(TSqlFragment fragment)
    {
        var finder = new DmlFinder();
        fragment.Accept(finder);
        return finder.Found;
    }

    private sealed class DmlFinder : TSqlFragmentVisitor
    {
        public bool Found;
        public override void Visit(InsertStatement node) => Found = true;
        public override void Visit(UpdateStatement node) => Found = true;
        public override void Visit(DeleteStatement node) => Found = true;
        public override void Visit(MergeStatement node) => Found = true;
        public override void Visit(TruncateTableStatement node) => Found = true;
        public override void Visit(SelectStatement node) { if (node.Into is not null) Found = true; }
    }
}
