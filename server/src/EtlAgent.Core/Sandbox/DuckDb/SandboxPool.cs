using System.Collections.Concurrent;
using DuckDB.NET.Data;
using EtlAgent.Core.Ports;
using static EtlAgent.Core.Translation.SqlText;

namespace EtlAgent.Core.Sandbox.DuckDb;

/// <summary>
/// Long-lived DuckDB instances, each serving one case at a time. Opening a DuckDB instance costs
/// ~10 ms of CPU (its catalog of built-in functions), more than most cases take to run; attaching
/// a new in-memory database to an open instance costs ~0.1 ms. So a case gets a database of its
/// own (<c>ATTACH ':memory:' AS sb1; USE sb1</c>) in an instance taken from here, and on dispose
/// the database is detached with everything in it (tables, views, sequences, macros, rows); what
/// lives outside it — #temp tables and sequences, variables, an open transaction — is dropped,
/// reset and rolled back. The instance keeps only its settings, identical for every case, the
/// runtime macros (created once, as temporary macros, when the instance opens: fixed text, and
/// creating them costs more than many cases do), and the system views' tables in its own database
/// (named by a hash of their rows, read-only to code).
/// Not used for runs that can execute a MERGE (<see cref="SandboxModel.ReachesDuckDbMerge"/>).
/// One pool belongs to one engine (the composition root), never to the process.
/// </summary>
public sealed class SandboxPool : IDisposable
{
    /// <summary>An instance serves at most this many cases, then is closed (bounds what DuckDB keeps of detached databases).</summary>
    private readonly int MaxUses;

    private readonly ConcurrentBag<DuckDBConnection> Idle = new();
    private readonly int MaxIdle = Math.Max(2, Environment.ProcessorCount * 2);
    /// <summary>Cases served per connection, without keeping a closed connection alive.</summary>
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<DuckDBConnection, System.Runtime.CompilerServices.StrongBox<int>> Uses = new();
    private int _nextDatabase;

    /// <param name="environment">ETLAGENT_SANDBOX_REUSE=0 turns reuse off; ETLAGENT_SANDBOX_REUSE_MAX bounds the cases per instance.</param>
    public SandboxPool(IEnvironment environment)
    {
        MaxUses = int.TryParse(environment.Variable("ETLAGENT_SANDBOX_REUSE_MAX"), out var n) && n > 0 ? n : 500;
        Enabled = environment.Variable("ETLAGENT_SANDBOX_REUSE") != "0";
    }

    /// <summary>Closes the idle instances.</summary>
    public void Dispose()
    {
        while (Idle.TryTake(out var idle)) idle.Dispose();
    }

    /// <summary>On unless ETLAGENT_SANDBOX_REUSE=0 (then every case opens and closes an instance of its own).</summary>
    public bool Enabled { get; }

    /// <summary>Instances waiting for their next case (tests check the pool was really used).</summary>
    public int IdleCount => Idle.Count;

    /// <summary>
    /// A connection whose default database is a new, empty in-memory database, with the base
    /// statements run in it; null when reuse is off. Every instance has the same fixed settings
    /// (<see cref="DuckDbSandboxFactory.OpenLocked"/>), so any idle one serves.
    /// </summary>
    public DuckDBConnection? Take(IReadOnlyList<string> baseStatements)
    {
        if (!Enabled) return null;
        var connection = Idle.TryTake(out var idle) ? idle : null;
        try
        {
            if (connection is null)
            {
                connection = DuckDbSandboxFactory.OpenLocked();
                Exec(connection, Translation.Macros.TemporaryScript);
            }
            var name = $"sb{Interlocked.Increment(ref _nextDatabase)}";
            Exec(connection, $"ATTACH ':memory:' AS {name}");
            Exec(connection, $"USE {name}");
            DuckDbSandboxFactory.RunEach(connection, baseStatements);
            return connection;
        }
        catch
        {
            connection?.Dispose();
            throw;
        }
    }

    /// <summary>Detaches the case's database and clears what lived outside it, then keeps the instance; disposes it when that fails or enough are idle.</summary>
    public void Return(DuckDBConnection connection)
    {
        int uses = Interlocked.Increment(ref Uses.GetValue(connection, _ => new System.Runtime.CompilerServices.StrongBox<int>()).Value);
        if (!Enabled || uses >= MaxUses || Idle.Count >= MaxIdle) { connection.Dispose(); return; }
        try { Reset(connection); }
        catch (Exception e) when (e is DuckDBException or InvalidOperationException)
        {
            connection.Dispose();
            return;
        }
        Idle.Add(connection);
    }

    private static void Reset(DuckDBConnection c)
    {
        try { Exec(c, "ROLLBACK"); } catch (DuckDBException) { /* no transaction open */ }
        string? database;
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT current_database()";
            database = cmd.ExecuteScalar() as string;
        }
        if (database is null or "memory") throw new InvalidOperationException("the case's database is not the default one");
        // detached first: the catalog functions below then list only what lived outside it
        Exec(c, $"USE memory;\nDETACH {Id(database)};");
        var drops = new List<string>();
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText =
                "SELECT 1 AS k, table_name AS n FROM duckdb_tables() WHERE database_name = 'temp' " +
                "UNION ALL SELECT 2, sequence_name FROM duckdb_sequences() WHERE database_name = 'temp' " +
                "UNION ALL SELECT 3, name FROM duckdb_variables()";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                var name = r.GetString(1);
                drops.Add(r.GetInt32(0) switch
                {
                    1 => $"DROP TABLE temp.main.{Id(name)}",
                    2 => $"DROP SEQUENCE temp.main.{Id(name)}",
                    _ => $"RESET VARIABLE {Id(name)}",
                });
            }
        }
        if (drops.Count > 0) Exec(c, string.Join(";\n", drops) + ";");
    }

    private static void Exec(DuckDBConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
