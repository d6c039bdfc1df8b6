using EtlAgent.Core.Model;
using EtlAgent.Core.Translation;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Translation.SqlText;

namespace EtlAgent.Core.Sandbox.DuckDb;

/// <summary>
/// SAVE TRANSACTION / ROLLBACK TRANSACTION savepoint, emulated: DuckDB has no savepoints. SAVE keeps
/// the rows of every table the sandbox holds (catalog tables created so far and #temp tables) in
/// memory; ROLLBACK to it puts those rows back. As in SQL Server, @@TRANCOUNT does not change,
/// identity and sequence values are not rolled back, table variables keep their rows, a doomed
/// transaction cannot roll back to a savepoint (3931) and an unknown name is error 6401. Because the
/// images live outside DuckDB, rolling back to a savepoint also works after an error has made
/// DuckDB abort its transaction (XACT_ABORT OFF): a new one is begun from the savepoint's rows.
/// </summary>
internal sealed partial class Interpreter
{
    /// <summary>One table's rows at a savepoint (computed columns left out: DuckDB derives them).</summary>
    private sealed record TableImage(string Physical, QualifiedName? CatalogName, IReadOnlyList<ColumnDef> Columns, List<object?[]> Rows);

    /// <param name="TempTables">The physical names of the #temp tables that existed at the savepoint.</param>
    private sealed record Savepoint(string Name, IReadOnlyList<TableImage> Tables, IReadOnlySet<string> TempTables);

    private readonly List<Savepoint> _savepoints = new();

    /// <summary>The name given to the outermost BEGIN TRANSACTION: ROLLBACK TRANSACTION of it rolls everything back.</summary>
    private string? _outerTransactionName;

    /// <summary>A transaction or savepoint name: an identifier or a variable. Names are case-sensitive in SQL Server.</summary>
    private string? TransactionName(IdentifierOrValueExpression? name) =>
        name is null ? null : name.Identifier?.Value ?? Values.ToText(Eval(name.ValueExpression, SqlTranslator.NVarMax));

    private void SaveTransaction(SaveTransactionStatement st)
    {
        if (_tranCount == 0) throw new SandboxRuntimeError(628, "Cannot issue SAVE TRANSACTION when there is no active transaction.");
        if (_doomed) throw new SandboxRuntimeError(3931, "The current transaction cannot be committed and cannot be rolled back to a savepoint. Roll back the entire transaction.");
        var name = TransactionName(st.Name) ?? throw Unsupported("SAVE TRANSACTION without a name", st);
        _savepoints.Add(Snapshot(name));
    }

    /// <summary>The rows of every table a rollback to this point restores (<see cref="SavedTables"/>), and the #temp tables that exist.</summary>
    private Savepoint Snapshot(string name)
    {
        var images = new List<TableImage>();
        foreach (var (physical, catalogName, columns) in SavedTables())
        {
            var rows = columns.Count == 0 ? new List<object?[]>() : Query($"SELECT {string.Join(", ", columns.Select(c => Id(c.Name)))} FROM {physical}").Rows;
            images.Add(new TableImage(physical, catalogName, columns, rows));
        }
        return new Savepoint(name, images, TempTablesInScope().Select(t => t.Table.PhysicalName).ToHashSet(StringComparer.Ordinal));
    }

    private void RollbackToSavepoint(string name)
    {
        // The most recent savepoint of that name; the ones after it are released.
        int index = _savepoints.FindLastIndex(sp => string.Equals(sp.Name, name, StringComparison.Ordinal));
        if (index < 0) throw new SandboxRuntimeError(6401, $"Cannot roll back {name}. No transaction or savepoint of that name was found.");
        if (_doomed) throw new SandboxRuntimeError(3931, "The current transaction cannot be committed and cannot be rolled back to a savepoint. Roll back the entire transaction.");
        var sp = _savepoints[index];
        _savepoints.RemoveRange(index + 1, _savepoints.Count - index - 1);
        Restore(sp, $"ROLLBACK TRANSACTION {name}");
        ImageWrittenAgain();
    }

    /// <summary>Puts back the rows <paramref name="sp"/> holds, in a new DuckDB transaction when an error has ended DuckDB's.</summary>
    private void Restore(Savepoint sp, string what)
    {
        if (!_duckInTx)
        {
            // An error with XACT_ABORT OFF made DuckDB abort the transaction (all its work is gone);
            // SQL Server still has everything up to the error. Back to the savepoint, both agree again.
            Exec("BEGIN TRANSACTION");
            _duckInTx = true;
            _schema.InTransaction = true;
            _lostWork = false;
        }
        // CREATE TABLE #t after the savepoint is rolled back too: the table goes
        foreach (var (frame, local, table) in TempTablesInScope().ToList())
            if (!sp.TempTables.Contains(table.PhysicalName))
            {
                Exec($"DROP TABLE IF EXISTS {Id(table.PhysicalName)}");
                frame.Tables.Remove(local);
            }
        var existingTemp = Query("SELECT table_name FROM duckdb_tables() WHERE temporary").Rows.Select(r => (string)r[0]!).ToHashSet(StringComparer.Ordinal);
        // Children before parents when emptying, parents before children when refilling (foreign keys).
        var now = SavedTables().ToList();
        foreach (var (physical, catalogName, _) in Enumerable.Reverse(now))
            if (catalogName is not null || existingTemp.Contains(Unquote(physical)))
                Exec($"DELETE FROM {physical}");
        foreach (var image in sp.Tables)
        {
            if (image.CatalogName is { } cn) _schema.Ensure(cn);
            else if (!existingTemp.Contains(Unquote(image.Physical)))
                throw new UnsupportedConstructException($"{what} restoring a #temp table created inside the transaction after an error had rolled DuckDB's transaction back", null);
            InsertRows(image);
        }
    }

    /// <summary>The rows an image holds, inserted again into its table.</summary>
    private void InsertRows(TableImage image)
    {
        if (image.Rows.Count == 0 || image.Columns.Count == 0) return;
        var cols = string.Join(", ", image.Columns.Select(c => Id(c.Name)));
        foreach (var chunk in image.Rows.Chunk(500))
            Exec($"INSERT INTO {image.Physical} ({cols}) VALUES {string.Join(", ", chunk.Select(r => "(" + string.Join(", ", r.Select((v, i) => Literal(v, image.Columns[i].Type))) + ")"))}");
    }

    /// <summary>The #temp tables of every open scope (table variables are not transactional).</summary>
    private IEnumerable<(Frame Frame, string Local, LocalTable Table)> TempTablesInScope()
    {
        for (var f = _frame; f is not null; f = f.Caller)
            foreach (var (local, table) in f.Tables)
                if (local.StartsWith('#')) yield return (f, local, table);
    }

    private static string Unquote(string quoted) => quoted.Length >= 2 && quoted[0] == '"' ? quoted[1..^1].Replace("\"\"", "\"") : quoted;

    /// <summary>
    /// The tables a savepoint covers: catalog tables created in this sandbox (foreign-key parents
    /// first) and the #temp tables of every open scope. Table variables are left out: a rollback
    /// does not touch them in SQL Server.
    /// </summary>
    private IEnumerable<(string Physical, QualifiedName? CatalogName, IReadOnlyList<ColumnDef> Columns)> SavedTables()
    {
        foreach (var name in _schema.CreatedInOrder.ToList())
            if (!_schema.Dropped(name) && _model.Catalog.Find(name) is { Kind: TableKind.Table } def)
                yield return (Table(name), name, def.Columns.Where(c => c.Computed is null).ToList());
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var f = _frame; f is not null; f = f.Caller)
            foreach (var (local, table) in f.Tables)
                if (local.StartsWith('#') && seen.Add(table.PhysicalName))
                    yield return (Id(table.PhysicalName), null, table.Columns.Where(c => c.Computed is null).ToList());
    }
}
