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

    public SchemaState(DuckDBConnection db, SandboxModel model, bool everything)
    {
        _db = db;
        _model = model;
        if (everything)
        {
            foreach (var k in model.Objects.Keys) _created.Add(k);
            _order.AddRange(model.Objects.Keys); // the eager script's order: parents first
            foreach (var m in Macros.All) _macros.Add(m.Name);
        }
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
    public bool Exists(QualifiedName name) => _created.Contains(name);

    public void Ensure(QualifiedName name)
    {
        if (_created.Contains(name)) return;
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

    /// <summary>A fresh exception per use (one shared instance would collect every thread's stack).</summary>
    internal static Exception Refusal(Exception problem) => problem switch
    {
        UnsupportedConstructException u => new UnsupportedConstructException(u.Construct, u.Location, u.Detail),
        InternalErrorException i => new InternalErrorException(i.Subject, i.Statement, i.Location, i.InnerException!),
        SandboxRuntimeError r => new SandboxRuntimeError(r.Number, r.Message, r.Severity, r.State),
        _ => problem,
    };

    public void Committed() { _createdInTransaction.Clear(); _macrosInTransaction.Clear(); InTransaction = false; }

    public void RolledBack()
    {
        foreach (var n in _createdInTransaction) { _created.Remove(n); _order.Remove(n); }
        _createdInTransaction.Clear();
        foreach (var n in _macrosInTransaction) _macros.Remove(n);
        _macrosInTransaction.Clear();
        InTransaction = false;
    }
}
