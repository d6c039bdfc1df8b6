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
    private readonly List<QualifiedName> _createdInTransaction = new();

    public SchemaState(DuckDBConnection db, SandboxModel model, bool everything)
    {
        _db = db;
        _model = model;
        if (everything) foreach (var k in model.Objects.Keys) _created.Add(k);
    }

    public bool InTransaction { get; set; }

    public void Ensure(QualifiedName name)
    {
        if (_created.Contains(name) || !_model.Objects.TryGetValue(name, out var obj)) return;
        _created.Add(name);
        foreach (var d in obj.DependsOn) Ensure(d);
        try
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = obj.Ddl;
            cmd.ExecuteNonQuery();
        }
        catch
        {
            _created.Remove(name);
            throw;
        }
        if (InTransaction) _createdInTransaction.Add(name);
    }

    public void Committed() { _createdInTransaction.Clear(); InTransaction = false; }

    public void RolledBack()
    {
        foreach (var n in _createdInTransaction) _created.Remove(n);
        _createdInTransaction.Clear();
        InTransaction = false;
    }
}
