using DuckDB.NET.Data;
using EtlAgent.Core.Model;
using EtlAgent.Core.Translation;

namespace EtlAgent.Core.Sandbox.DuckDb;

/// <summary>
/// Which catalog tables and views exist in one sandbox. With a lazy schema, an object is created
/// the first time a statement, an insert or a read refers to it (FK parents and a view's sources
/// first): a table nobody touches is empty, so leaving it out changes no result. Objects created
/// inside a DuckDB transaction are forgotten again if it rolls back.
/// </summary>
internal sealed class SchemaState
{
    private readonly DuckDBConnection _db;
    private readonly SandboxModel _model;
    private readonly HashSet<QualifiedName> _created = new();
    private readonly List<QualifiedName> _order = new();

    /// <summary>The catalog objects created so far, each after those it needs (foreign-key parents first).</summary>
    public IReadOnlyList<QualifiedName> CreatedInOrder => _order;
    private readonly List<QualifiedName> _createdInTransaction = new();

    /// <param name="macrosInPlace">The connection already has every runtime macro (a pooled instance's temporary ones).</param>
    public SchemaState(DuckDBConnection db, SandboxModel model, bool everything, bool macrosInPlace = false)
    {
        _db = db;
        _model = model;
        if (macrosInPlace) foreach (var m in Macros.All) _macros.Add(m.Name);
        if (everything)
        {
            foreach (var k in model.Objects.Keys) _created.Add(k);
            _order.AddRange(model.Objects.Keys); // the eager script's order: parents first
            foreach (var m in Macros.All) _macros.Add(m.Name);
        }
        // system views an earlier case read are put in place now, outside any transaction: one built
        // inside a transaction the code rolls back (a CATCH block's ROLLBACK) would be gone again
        foreach (var (table, rows) in model.SystemViewTables.Values) EnsureSystemView(table, rows);
    }

    private readonly HashSet<string> _macros = new(StringComparer.Ordinal);
    private readonly List<string> _macrosInTransaction = new();

    /// <summary>Creates the runtime macros a statement calls (and those they call) before it runs.</summary>
    public void EnsureMacros(string sql)
    {
        if (_macros.Count == Macros.All.Count || !sql.Contains("tsql_", StringComparison.Ordinal)) return;
        foreach (var m in Macros.All)
            if (!_macros.Contains(m.Name) && sql.Contains(m.Name + "(", StringComparison.Ordinal)) CreateMacro(m.Name);
    }

    private void CreateMacro(string name)
    {
        if (!_macros.Add(name)) return;
        var m = Macros.All.First(x => x.Name == name);
        foreach (var u in m.Uses) CreateMacro(u);
        using var cmd = _db.CreateCommand();
        cmd.CommandText = m.Ddl;
        cmd.ExecuteNonQuery();
        if (InTransaction) _macrosInTransaction.Add(name);
    }

    public bool InTransaction { get; set; }

    private int _nextId;

    /// <summary>A number unique in this sandbox, for #temp tables and helper tables.</summary>
    public int NextId() => ++_nextId;

    /// <summary>Whether the catalog object exists in the sandbox now.</summary>
    public bool Exists(QualifiedName name) => _created.Contains(name) && !_dropped.Contains(name);

    public void Ensure(QualifiedName name)
    {
        if (_created.Contains(name) || _dropped.Contains(name)) return;
        if (!_model.Objects.TryGetValue(name, out var obj))
        {
            // a table the schema could not build: refused here, where it is used (see SchemaBuilder)
            if (_model.Problems.TryGetValue(name, out var problem)) throw Refusal(problem);
            return;
        }
        _created.Add(name);
        foreach (var d in obj.DependsOn) Ensure(d);
        EnsureMacros(obj.Ddl);
        try
        {
            DuckDbSandboxFactory.RunEach(_db, obj.Statements);
        }
        catch (DuckDBException e)
        {
            _created.Remove(name);
            // the engine refused the DDL built for this object: a sandbox gap, named by object, never the engine's text
            throw new UnsupportedConstructException($"the definition of {name} in the sandbox", _model.Catalog.Find(name)?.Location,
                ErrorMapper.Describe(e));
        }
        catch
        {
            _created.Remove(name);
            throw;
        }
        _order.Add(name);
        if (InTransaction) _createdInTransaction.Add(name);
    }

    private readonly HashSet<string> _systemViews = new(StringComparer.Ordinal);

    /// <summary>
    /// A system view as a table of the instance's own database (<c>memory</c>), named by a hash of its
    /// rows: built once per DuckDB instance and read by every statement and every case it serves (a
    /// pooled instance keeps it across cases, <see cref="SandboxPool"/>), instead of the rows inlined
    /// and parsed again each time (thousands of INFORMATION_SCHEMA.COLUMNS rows on a wide catalog).
    /// Same rows, same types: the table is made from the very SELECT that would be inlined. Inside a
    /// transaction a missing table is not built (DuckDB lets one transaction write to one database, and
    /// a rollback would take it away): the rows are inlined there, and the table is built when the
    /// next sandbox on this model starts (<see cref="SchemaState(DuckDBConnection, SandboxModel, bool)"/>).
    /// </summary>
    public string SystemViewTable(QualifiedName view, Func<string> rowsSql)
    {
        // keyed by the view: its rows come from the model's catalog, fixed for the model's life, so they are
        // made once (dynamic management views, whose rows follow the session, never come here)
        var (table, rows) = _model.SystemViewTables.GetOrAdd(view.ToString().ToUpperInvariant(), _ =>
        {
            var sql = rowsSql();
            var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(sql)))[..24];
            return ($"__sysview_{hash}", sql);
        });
        return EnsureSystemView(table, rows) ? "memory.main." + SqlText.Id(table) : rows;
    }

    /// <summary>Whether the system view's table is in place (built now when it is missing and no transaction is open).</summary>
    private bool EnsureSystemView(string table, string rows)
    {
        if (_systemViews.Contains(table)) return true;
        using (var check = _db.CreateCommand())
        {
            check.CommandText = $"SELECT count(*) FROM duckdb_tables() WHERE database_name = 'memory' AND schema_name = 'main' AND table_name = {SqlText.Str(table)}";
            if (Convert.ToInt64(check.ExecuteScalar()) == 0)
            {
                if (InTransaction) return false;
                using var create = _db.CreateCommand();
                create.CommandText = $"CREATE TABLE memory.main.{SqlText.Id(table)} AS SELECT * FROM {rows} AS \"__rows\"";
                create.ExecuteNonQuery();
            }
        }
        _systemViews.Add(table);
        return true;
    }

    /// <summary>A fresh exception per use (one shared instance would collect every thread's stack).</summary>
    internal static Exception Refusal(Exception problem) => problem switch
    {
        UnsupportedConstructException u => new UnsupportedConstructException(u.Construct, u.Location, u.Detail),
        InternalErrorException i => new InternalErrorException(i.Subject, i.Statement, i.Location, i.InnerException!),
        SandboxRuntimeError r => new SandboxRuntimeError(r.Number, r.Message, r.Severity, r.State),
        _ => problem,
    };

    private readonly Dictionary<QualifiedName, IReadOnlyList<ColumnShape>> _madeViews = new();
    private readonly List<(QualifiedName Name, IReadOnlyList<ColumnShape>? Before)> _madeViewsInTransaction = new();

    /// <summary>The columns of a view the code made in this case (CREATE VIEW in dynamic SQL), or null.</summary>
    public IReadOnlyList<ColumnShape>? MadeView(QualifiedName name) => _madeViews.GetValueOrDefault(name.WithoutDatabase);

    /// <summary>Whether the code made a view or a table in this case (the system views would not list it).</summary>
    public bool AnyMadeView => _madeViews.Count > 0 || _madeTables.Count > 0 || _dropped.Count > 0;

    private readonly HashSet<QualifiedName> _dropped = new();
    private readonly List<QualifiedName> _droppedInTransaction = new();

    /// <summary>Whether the open transaction dropped a table or made a table or view (DuckDB's rollback undoes them, a table image cannot).</summary>
    public bool ChangedObjectsInTransaction => _droppedInTransaction.Count > 0 || _madeTablesInTransaction.Count > 0 || _madeViewsInTransaction.Count > 0;

    /// <summary>Whether the code dropped this stand-in in this case: it is not made again, so later statements find it missing (208).</summary>
    public bool Dropped(QualifiedName name) => _dropped.Contains(name);

    /// <summary>Records a stand-in the code dropped; a rollback undoes it as DuckDB undoes the DROP.</summary>
    public void SetDropped(QualifiedName name)
    {
        if (_dropped.Add(name) && InTransaction) _droppedInTransaction.Add(name);
    }

    /// <summary>Records a view the code made (or, with null, dropped); a rollback undoes it as DuckDB undoes the DDL.</summary>
    public void SetMadeView(QualifiedName name, IReadOnlyList<ColumnShape>? columns)
    {
        name = name.WithoutDatabase;
        if (InTransaction) _madeViewsInTransaction.Add((name, _madeViews.GetValueOrDefault(name)));
        if (columns is null) _madeViews.Remove(name);
        else _madeViews[name] = columns;
    }

    private readonly Dictionary<QualifiedName, LocalTable> _madeTables = new();
    private readonly List<(QualifiedName Name, LocalTable? Before)> _madeTablesInTransaction = new();

    /// <summary>A permanent table the code made in this case (SELECT … INTO), or null: in no catalog, it lives as long as the case's database.</summary>
    public LocalTable? MadeTable(QualifiedName name) => _madeTables.GetValueOrDefault(name.WithoutDatabase);

    /// <summary>The permanent tables the code made in this case, by name.</summary>
    public IReadOnlyDictionary<QualifiedName, LocalTable> MadeTables => _madeTables;

    /// <summary>Records a table the code made (or, with null, dropped); a rollback undoes it as DuckDB undoes the DDL.</summary>
    public void SetMadeTable(QualifiedName name, LocalTable? table)
    {
        name = name.WithoutDatabase;
        if (InTransaction) _madeTablesInTransaction.Add((name, _madeTables.GetValueOrDefault(name)));
        if (table is null) _madeTables.Remove(name);
        else _madeTables[name] = table;
    }

    public void Committed() { _createdInTransaction.Clear(); _macrosInTransaction.Clear(); _madeViewsInTransaction.Clear(); _madeTablesInTransaction.Clear(); _droppedInTransaction.Clear(); InTransaction = false; }

    public void RolledBack()
    {
        foreach (var n in _createdInTransaction) { _created.Remove(n); _order.Remove(n); }
        _createdInTransaction.Clear();
        foreach (var n in _macrosInTransaction) _macros.Remove(n);
        _macrosInTransaction.Clear();
        for (int i = _madeViewsInTransaction.Count - 1; i >= 0; i--)
        {
            var (name, before) = _madeViewsInTransaction[i];
            if (before is null) _madeViews.Remove(name);
            else _madeViews[name] = before;
        }
        _madeViewsInTransaction.Clear();
        for (int i = _madeTablesInTransaction.Count - 1; i >= 0; i--)
        {
            var (name, before) = _madeTablesInTransaction[i];
            if (before is null) _madeTables.Remove(name);
            else _madeTables[name] = before;
        }
        _madeTablesInTransaction.Clear();
        foreach (var n in _droppedInTransaction) _dropped.Remove(n);
        _droppedInTransaction.Clear();
        InTransaction = false;
    }
}
