using DuckDB.NET.Data;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using EtlAgent.Core.Translation;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Translation.SqlText;

namespace EtlAgent.Core.Sandbox.DuckDb;

/// <summary>
/// An error inside a transaction with XACT_ABORT OFF: SQL Server undoes the failing statement only and the
/// transaction goes on (XACT_STATE() = 1), DuckDB aborts the whole transaction. After each statement that writes
/// inside such a transaction, the sandbox keeps the rows of the tables the statement names (and of the tables whose
/// foreign keys point at them), as the statement left them; when an error ends DuckDB's transaction, a new one
/// begins and those tables get their kept rows back. The tables no statement of the transaction wrote are as they
/// were at BEGIN, which is what DuckDB's rollback leaves. So the code goes on with the work before the error, as on
/// SQL Server: a CATCH block that leaves its caller's transaction open, or logs before it rolls back, runs as
/// written. Past a bound (a loop writing row by row inside one transaction), where a #temp table made inside the
/// transaction or a table dropped or made there would have to come back, no image is kept, and what reads or
/// writes tables after such an error is refused as before (<see cref="_lostWork"/>).
/// </summary>
internal sealed partial class Interpreter
{
    private const int MostStatementImages = 2_000;
    private const int MostImagedRows = 200_000;

    /// <summary>The tables written since BEGIN, by physical name, with their rows as the last write left them; null when none is kept.</summary>
    private Dictionary<string, TableImage>? _written;

    /// <summary>The #temp tables that existed at BEGIN (DuckDB's rollback keeps them; ones made later it drops).</summary>
    private HashSet<string> _tempAtBegin = new(StringComparer.Ordinal);

    private int _statementImages, _imagedRows;
    private bool _restoring;

    /// <summary>At the outermost BEGIN TRANSACTION (the code's or its caller's): nothing written yet.</summary>
    private void ImageTransactionStart()
    {
        _written = _xactAbort ? null : new Dictionary<string, TableImage>(StringComparer.Ordinal);
        _tempAtBegin = TempTablesInScope().Select(t => t.Table.PhysicalName).ToHashSet(StringComparer.Ordinal);
        _statementImages = 0;
        _imagedRows = 0;
    }

    /// <summary>After a statement that ran without an error: the rows of the tables it names, when it wrote inside a transaction.</summary>
    private void AfterStatement(TSqlStatement s)
    {
        if (_tranCount == 0 || _written is null || !Writes(s)) return;
        if (!_duckInTx || _doomed) return;
        // a table dropped or made inside the transaction comes back or goes with DuckDB's rollback, not with rows put back
        if (_xactAbort || _schema.ChangedObjectsInTransaction || ++_statementImages > MostStatementImages) { StopImaging(); return; }
        var names = new NamedTables();
        s.Accept(names);
        foreach (var so in names.Found)
            if (!ImageNamed(so)) { StopImaging(); return; }
        if (_imagedRows > MostImagedRows) StopImaging();
    }

    private static bool Writes(TSqlStatement s) => s is InsertStatement or UpdateStatement or DeleteStatement or MergeStatement
        or TruncateTableStatement or SelectStatement { Into: not null } or CreateTableStatement or DropTableStatement or AlterTableStatement;

    /// <summary>Keeps the rows of a table a statement names; false when it is one a rollback cannot be undone for by rows.</summary>
    private bool ImageNamed(SchemaObjectName so)
    {
        var baseName = so.BaseIdentifier?.Value;
        if (baseName is null) return true;
        if (baseName.StartsWith('#'))
        {
            var temp = TempTablesInScope().FirstOrDefault(t => string.Equals(t.Local, baseName, StringComparison.OrdinalIgnoreCase));
            if (temp.Table is null) return true;
            if (!_tempAtBegin.Contains(temp.Table.PhysicalName)) return false;
            Image(Id(temp.Table.PhysicalName), null, temp.Table.Columns.Where(c => c.Computed is null).ToList());
            return true;
        }
        var name = DdlReader.ReferenceOf(so);
        var found = _model.Catalog.Find(name) ?? (name.Schema is null ? _model.Catalog.Find(new QualifiedName("dbo", name.Name)) : null);
        // a CTE, a system view, a table not made yet: nothing a rollback would change
        if (found is not { Kind: TableKind.Table } def || !_schema.CreatedInOrder.Contains(def.Name)) return found is not { Kind: TableKind.View };
        ImageWithChildren(def, new HashSet<QualifiedName>());
        return true;
    }

    /// <summary>A table and, for the order of emptying and refilling, every created table whose foreign key points at it.</summary>
    private void ImageWithChildren(TableDef def, HashSet<QualifiedName> seen)
    {
        if (!seen.Add(def.Name) || _schema.Dropped(def.Name)) return;
        Image(Table(def.Name), def.Name, def.Columns.Where(c => c.Computed is null).ToList());
        foreach (var child in _model.ForeignKeyChildren.GetValueOrDefault(def.Name) ?? Array.Empty<TableDef>())
            if (_schema.CreatedInOrder.Contains(child.Name)) ImageWithChildren(child, seen);
    }

    private void Image(string physical, QualifiedName? catalogName, IReadOnlyList<ColumnDef> columns)
    {
        var rows = columns.Count == 0 ? new List<object?[]>() : Query($"SELECT {string.Join(", ", columns.Select(c => Id(c.Name)))} FROM {physical}").Rows;
        if (_written!.TryGetValue(physical, out var before)) _imagedRows -= before.Rows.Count;
        _written[physical] = new TableImage(physical, catalogName, columns, rows);
        _imagedRows += rows.Count;
    }

    /// <summary>After a rollback to a savepoint: the written tables' rows as that rollback left them.</summary>
    private void ImageWrittenAgain()
    {
        if (_written is null || !_duckInTx) return;
        foreach (var image in _written.Values.ToList())
        {
            if (image.CatalogName is null && !TempTablesInScope().Any(t => Id(t.Table.PhysicalName) == image.Physical)) { _written.Remove(image.Physical); continue; }
            Image(image.Physical, image.CatalogName, image.Columns);
        }
    }

    private void StopImaging() => _written = null;

    /// <summary>No transaction any more: its images go.</summary>
    private void ForgetStatementImages()
    {
        _written = null;
        _statementImages = 0;
        _imagedRows = 0;
    }

    /// <summary>
    /// An engine error inside a transaction with XACT_ABORT OFF: DuckDB has aborted its transaction, so it is rolled
    /// back now, and begun again with the written tables' kept rows (<see cref="RestoreWritten"/>); @@TRANCOUNT and
    /// XACT_STATE() = 1 stay as SQL Server has them.
    /// </summary>
    private void LoseWork()
    {
        _lostWork = true;
        if (!_duckInTx) return;
        EndAbortedTransaction();
        RestoreWritten();
    }

    /// <summary>DuckDB's transaction, which an error has aborted: rolled back, and the tables made lazily inside it forgotten.</summary>
    private void EndAbortedTransaction()
    {
        if (!_duckInTx) return;
        _duckInTx = false;
        try { using var cmd = Command("ROLLBACK"); cmd.ExecuteNonQuery(); } catch (DuckDBException) { }
        _schema.RolledBack();
    }

    /// <summary>
    /// After an error ended DuckDB's transaction (<see cref="LoseWork"/>): the transaction again, the written tables
    /// emptied (children first) and refilled (parents first). When that cannot be done, the work stays lost.
    /// </summary>
    private void RestoreWritten()
    {
        if (_written is null || _restoring) return;
        // a #temp table made inside the transaction is gone with DuckDB's rollback, SQL Server's still has it
        if (TempTablesInScope().Any(t => !_tempAtBegin.Contains(t.Table.PhysicalName))) { StopImaging(); return; }
        _restoring = true;
        try
        {
            Exec("BEGIN TRANSACTION");
            _duckInTx = true;
            _schema.InTransaction = true;
            var order = _schema.CreatedInOrder.Select((n, i) => (n, i)).ToDictionary(x => x.n, x => x.i);
            var images = _written.Values.OrderBy(i => i.CatalogName is { } cn ? order.GetValueOrDefault(cn, int.MaxValue - 1) : int.MaxValue).ToList();
            foreach (var image in images) if (image.CatalogName is { } cn) _schema.Ensure(cn);
            foreach (var image in Enumerable.Reverse(images)) Exec($"DELETE FROM {image.Physical}");
            foreach (var image in images) InsertRows(image);
            foreach (var image in images) IdentityPastKeptRows(image);
            _lostWork = false;
        }
        catch (Exception e) when (e is SandboxRuntimeError or UnsupportedConstructException)
        {
            StopImaging();
            _lostWork = true;
            EndAbortedTransaction();
        }
        finally { _restoring = false; }
    }

    /// <summary>
    /// DuckDB's rollback also took back the identity values the kept rows were given; SQL Server never reuses one,
    /// so the table's identity moves past its kept rows.
    /// </summary>
    private void IdentityPastKeptRows(TableImage image)
    {
        if (image.CatalogName is not { } name || _model.Catalog.Find(name)?.Columns.FirstOrDefault(c => c.Identity) is not { } identity) return;
        Exec(SchemaBuilder.IdentityPastRows(name, image.Physical, identity.Name));
    }

    /// <summary>The tables a statement names (targets and sources), as written.</summary>
    private sealed class NamedTables : TSqlFragmentVisitor
    {
        public List<SchemaObjectName> Found { get; } = new();
        public override void Visit(NamedTableReference node) => Found.Add(node.SchemaObject);
        public override void Visit(TruncateTableStatement node) => Found.Add(node.TableName);
    }
}
