using DuckDB.NET.Data;
using EtlAgent.Core.Model;
using EtlAgent.Core.Translation;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Sandbox.DuckDb;

/// <summary>
/// An error inside a transaction with XACT_ABORT OFF: SQL Server undoes the failing statement only and the
/// transaction goes on (XACT_STATE() = 1), DuckDB aborts the whole transaction. At the outermost BEGIN and after
/// each statement that writes inside such a transaction, the sandbox keeps the rows of the tables a rollback covers
/// (as a savepoint does, Interpreter.Savepoints.cs); when an error ends DuckDB's transaction, a new one begins from
/// the last of those images, so the code goes on with the work before the error, as on SQL Server: a CATCH block
/// that leaves its caller's transaction open, or logs before it rolls back, runs as written. Past a bound (a loop
/// writing row by row inside one transaction), no more images are kept, and what reads or writes tables after such
/// an error is refused as before (<see cref="_lostWork"/>).
/// </summary>
internal sealed partial class Interpreter
{
    private const int MostStatementImages = 400;
    private const int MostImagedRows = 200_000;

    /// <summary>The tables as the last statement that wrote inside the transaction left them; null when none is kept.</summary>
    private Savepoint? _statementImage;

    /// <summary>Images kept in this transaction (−1: past a bound, none kept any more) and the rows they held together.</summary>
    private int _statementImages, _imagedRows;

    private bool _restoring;

    /// <summary>At the outermost BEGIN TRANSACTION (the code's or its caller's): what an error before any write goes back to.</summary>
    private void ImageTransactionStart()
    {
        _statementImage = null;
        _statementImages = 0;
        _imagedRows = 0;
        KeepStatementImage();
    }

    /// <summary>After a statement that ran without an error: an image, when it wrote inside a transaction.</summary>
    private void AfterStatement(TSqlStatement s)
    {
        if (_tranCount > 0 && Writes(s)) KeepStatementImage();
    }

    private static bool Writes(TSqlStatement s) => s is InsertStatement or UpdateStatement or DeleteStatement or MergeStatement
        or TruncateTableStatement or SelectStatement { Into: not null } or CreateTableStatement or DropTableStatement or AlterTableStatement;

    private void KeepStatementImage()
    {
        if (!_duckInTx || _xactAbort || _doomed || _statementImages < 0) return;
        // a table dropped or made inside the transaction comes back or goes with DuckDB's rollback, not with rows put back
        if (_schema.ChangedObjectsInTransaction) { StopImaging(); return; }
        if (++_statementImages > MostStatementImages) { StopImaging(); return; }
        var image = Snapshot("(before the failed statement)");
        _imagedRows += image.Tables.Sum(t => t.Rows.Count);
        if (_imagedRows > MostImagedRows) { StopImaging(); return; }
        _statementImage = image;
    }

    private void StopImaging()
    {
        _statementImage = null;
        _statementImages = -1;
    }

    /// <summary>No transaction any more: its images go.</summary>
    private void ForgetStatementImages()
    {
        _statementImage = null;
        _statementImages = 0;
        _imagedRows = 0;
    }

    /// <summary>
    /// An engine error inside a transaction with XACT_ABORT OFF: DuckDB has aborted its transaction, so it is rolled
    /// back now, and begun again from the last image (<see cref="RestoreStatementImage"/>); @@TRANCOUNT and
    /// XACT_STATE() = 1 stay as SQL Server has them.
    /// </summary>
    private void LoseWork()
    {
        _lostWork = true;
        if (!_duckInTx) return;
        _duckInTx = false;
        try { using var cmd = Command("ROLLBACK"); cmd.ExecuteNonQuery(); } catch (DuckDBException) { }
        _schema.RolledBack();
        RestoreStatementImage();
    }

    /// <summary>
    /// After an error ended DuckDB's transaction with XACT_ABORT OFF (<see cref="LoseWork"/>): the transaction again,
    /// from the last image. When that cannot be done (a #temp table made inside the transaction), the work stays lost.
    /// </summary>
    private void RestoreStatementImage()
    {
        if (_statementImage is not { } image || _restoring) return;
        _restoring = true;
        try
        {
            Restore(image, "going on after an error inside a transaction with XACT_ABORT OFF");
            _lostWork = false;
        }
        catch (Exception e) when (e is SandboxRuntimeError or UnsupportedConstructException)
        {
            StopImaging();
            _lostWork = true;
            if (_duckInTx)
            {
                _duckInTx = false;
                try { using var cmd = Command("ROLLBACK"); cmd.ExecuteNonQuery(); } catch (DuckDBException) { }
                _schema.RolledBack();
            }
        }
        finally { _restoring = false; }
    }
}
