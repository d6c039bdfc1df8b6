using System.Globalization;
using System.Text.Json;
using EtlAgent.Core.Model;
using Microsoft.Data.Sqlite;

namespace EtlAgent.Core.Memory;

/// <summary>
/// The memory in one SQLite file (default .etl-agent/memory.db). WAL journal, so readers never
/// wait for a writer and a killed process leaves the last committed transaction intact; a busy
/// timeout, so the CLI and the language server writing at once wait for each other instead of
/// failing; one transaction per run. Until something is written the file is not created, so
/// `check` on a workspace leaves no trace.
/// </summary>
public sealed class SqliteMemoryStore : IMemoryStore
{
    /// <summary>How long a writer waits for another process's transaction before giving up.</summary>
    private static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// 2: heals keep their heal id (added to a version-1 file when it is opened); 3: the last green
    /// version per transformation (a new table, created in an older file when it is opened).
    /// </summary>
    private const int SchemaVersion = 3;

    private readonly string _path;
    private readonly string _display;
    private readonly object _gate = new();
    private SqliteConnection? _connection;

    /// <param name="path">The database file (absolute), or ":memory:" for a memory that lives as long as this object.</param>
    /// <param name="display">How messages name it (the workspace-relative path).</param>
    public SqliteMemoryStore(string path, string? display = null)
    {
        _path = path;
        _display = display ?? path;
    }

    private bool InMemory => _path == ":memory:";

    public string Describe() => $"sqlite {_display}";

    /// <summary>The open connection; null when only reading and the file does not exist yet.</summary>
    private SqliteConnection? Connection(bool write)
    {
        if (_connection is not null) return _connection;
        if (!InMemory && !File.Exists(_path))
        {
            if (!write) return null;
            var dir = Path.GetDirectoryName(_path);
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        }
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = _path,
            Mode = InMemory ? SqliteOpenMode.Memory : SqliteOpenMode.ReadWriteCreate,
            DefaultTimeout = (int)BusyTimeout.TotalSeconds,
            Pooling = false,
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            Execute(connection, $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds};");
            if (!InMemory) Execute(connection, "PRAGMA journal_mode = WAL;");
            // FULL: a run is on disk when RecordRun returns, not only in the OS's cache
            Execute(connection, "PRAGMA synchronous = FULL;");
            using (var tx = connection.BeginTransaction())
            {
                Execute(connection, Schema, tx);
                using (var has = Command(connection, "SELECT COUNT(*) FROM pragma_table_info('heals') WHERE name = 'heal_id';", tx))
                    if (Convert.ToInt64(has.ExecuteScalar(), CultureInfo.InvariantCulture) == 0)
                        Execute(connection, "ALTER TABLE heals ADD COLUMN heal_id TEXT;", tx);
                Execute(connection, $"PRAGMA user_version = {SchemaVersion};", tx);
                tx.Commit();
            }
        }
        catch
        {
            connection.Dispose();
            throw;
        }
        return _connection = connection;
    }

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS runs (id TEXT PRIMARY KEY, started TEXT NOT NULL, finished TEXT NOT NULL, commit_id TEXT,
            outcome TEXT NOT NULL, passed INTEGER NOT NULL, failed INTEGER NOT NULL, findings INTEGER NOT NULL, dismissed INTEGER NOT NULL,
            actor TEXT NOT NULL, mutants_killed INTEGER NOT NULL, mutants_total INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS cases (run_id TEXT NOT NULL, name TEXT NOT NULL, transformation TEXT NOT NULL, outcome TEXT NOT NULL,
            ms REAL NOT NULL, code_key TEXT NOT NULL, input_key TEXT NOT NULL, PRIMARY KEY (run_id, name));
        CREATE TABLE IF NOT EXISTS timings (procedure TEXT NOT NULL, input_key TEXT NOT NULL, run_id TEXT NOT NULL, ms REAL NOT NULL,
            seq INTEGER PRIMARY KEY AUTOINCREMENT);
        CREATE INDEX IF NOT EXISTS timings_procedure ON timings (procedure);
        CREATE TABLE IF NOT EXISTS findings (fingerprint TEXT PRIMARY KEY, rule_id TEXT NOT NULL, file TEXT NOT NULL, message TEXT NOT NULL,
            state TEXT NOT NULL, first_seen_run TEXT, last_seen_run TEXT, updated TEXT NOT NULL, reason TEXT, expires TEXT);
        CREATE TABLE IF NOT EXISTS heals (seq INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, target TEXT NOT NULL,
            bug_class TEXT NOT NULL, status TEXT NOT NULL, fingerprint TEXT, run_id TEXT, heal_id TEXT);
        CREATE TABLE IF NOT EXISTS mutants (transformation TEXT NOT NULL, mutant_key TEXT NOT NULL, operator TEXT NOT NULL,
            status TEXT NOT NULL, run_id TEXT NOT NULL, PRIMARY KEY (transformation, mutant_key));
        CREATE TABLE IF NOT EXISTS invariants (transformation TEXT NOT NULL, invariant TEXT NOT NULL, source TEXT NOT NULL,
            PRIMARY KEY (transformation, invariant));
        CREATE TABLE IF NOT EXISTS generation (key TEXT PRIMARY KEY, transformation TEXT NOT NULL, outcome TEXT NOT NULL, reason TEXT,
            file TEXT, run_id TEXT NOT NULL, time TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
            target TEXT NOT NULL, reason TEXT NOT NULL, details TEXT);
        CREATE TABLE IF NOT EXISTS green_versions (transformation TEXT NOT NULL COLLATE NOCASE PRIMARY KEY, file TEXT NOT NULL, hash TEXT NOT NULL,
            run_id TEXT NOT NULL, time TEXT NOT NULL, text TEXT NOT NULL);
        """;

    public void RecordRun(RunWrite write)
    {
        var r = write.Run;
        lock (_gate) Guard(() =>
        {
            var c = Connection(write: true)!;
            using var tx = c.BeginTransaction();
            foreach (var k in write.Cases)
                Execute(c, "INSERT OR REPLACE INTO cases VALUES ($run, $name, $t, $outcome, $ms, $code, $input);", tx,
                    ("$run", r.Id), ("$name", k.Name), ("$t", k.Transformation), ("$outcome", k.Outcome), ("$ms", k.Milliseconds),
                    ("$code", k.CodeKey), ("$input", k.InputKey));
            foreach (var k in write.Cases)
                Execute(c, "INSERT INTO timings (procedure, input_key, run_id, ms) VALUES ($p, $input, $run, $ms);", tx,
                    ("$p", k.Transformation), ("$input", k.InputKey), ("$run", r.Id), ("$ms", k.Milliseconds));
            foreach (var t in write.Mutants.Select(m => m.Transformation).Distinct(StringComparer.Ordinal))
                Execute(c, "DELETE FROM mutants WHERE transformation = $t;", tx, ("$t", t));
            foreach (var m in write.Mutants)
                Execute(c, "INSERT OR REPLACE INTO mutants VALUES ($t, $key, $op, $status, $run);", tx,
                    ("$t", m.Transformation), ("$key", m.Key), ("$op", m.Operator), ("$status", m.Status), ("$run", m.RunId));
            foreach (var i in write.Invariants)
                Execute(c, "INSERT OR REPLACE INTO invariants VALUES ($t, $i, $s);", tx, ("$t", i.Transformation), ("$i", i.Invariant), ("$s", i.Source));
            // the text is written only when it changed: a procedure green run after run costs one comparison
            foreach (var g in write.GreenVersions)
                Execute(c, """
                    INSERT INTO green_versions VALUES ($t, $file, $hash, $run, $time, $text)
                    ON CONFLICT (transformation) DO UPDATE SET transformation = excluded.transformation, file = excluded.file, hash = excluded.hash,
                        run_id = excluded.run_id, time = excluded.time, text = excluded.text
                    WHERE green_versions.hash <> excluded.hash OR green_versions.file <> excluded.file;
                    """, tx, ("$t", g.Transformation), ("$file", g.File), ("$hash", g.Hash), ("$run", g.RunId), ("$time", Time(g.Time)), ("$text", g.Text));
            foreach (var f in FindingRecord.AfterRun(ReadFindings(c, tx), write.Findings, r.Id, r.Finished))
                WriteFinding(c, tx, f);
            // the run row last: a run is listed only with everything it wrote
            Execute(c, "INSERT OR REPLACE INTO runs VALUES ($id, $started, $finished, $commit, $outcome, $passed, $failed, $findings, $dismissed, $actor, $mk, $mt);", tx,
                ("$id", r.Id), ("$started", Time(r.Started)), ("$finished", Time(r.Finished)), ("$commit", r.Commit), ("$outcome", r.Outcome),
                ("$passed", r.Passed), ("$failed", r.Failed), ("$findings", r.Findings), ("$dismissed", r.Dismissed), ("$actor", r.Actor),
                ("$mk", r.MutantsKilled), ("$mt", r.MutantsTotal));
            tx.Commit();
        });
    }

    public IReadOnlyList<RunRecord> Runs() => Read("SELECT * FROM runs ORDER BY started, id;", x => new RunRecord(
        x.GetString(0), ParseTime(x.GetString(1)), ParseTime(x.GetString(2)), x.IsDBNull(3) ? null : x.GetString(3), x.GetString(4),
        x.GetInt32(5), x.GetInt32(6), x.GetInt32(7))
    {
        Dismissed = x.GetInt32(8), Actor = x.GetString(9), MutantsKilled = x.GetInt32(10), MutantsTotal = x.GetInt32(11),
    });

    public IReadOnlyList<CaseRecord> Cases(string runId) => Read("SELECT name, transformation, outcome, ms, code_key, input_key FROM cases WHERE run_id = $run ORDER BY name;",
        x => new CaseRecord(x.GetString(0), x.GetString(1), x.GetString(2), x.GetDouble(3), x.GetString(4), x.GetString(5)), ("$run", runId));

    public IReadOnlyDictionary<string, FindingRecord> Findings()
    {
        lock (_gate) return Guard(() => Connection(write: false) is { } c ? ReadFindings(c, null) : new Dictionary<string, FindingRecord>());
    }

    public void Dismiss(FindingSighting finding, string reason, DateTimeOffset? expires, DateTimeOffset now)
    {
        lock (_gate) Guard(() =>
        {
            var c = Connection(write: true)!;
            using var tx = c.BeginTransaction();
            var known = ReadFindings(c, tx).GetValueOrDefault(finding.Fingerprint) ?? FindingRecord.Unknown(finding, now);
            WriteFinding(c, tx, known.DismissedAs(reason, expires, now));
            tx.Commit();
        });
    }

    public bool Undismiss(string fingerprint, DateTimeOffset now)
    {
        lock (_gate) return Guard(() =>
        {
            if (Connection(write: false) is null) return false;
            var c = Connection(write: true)!;
            using var tx = c.BeginTransaction();
            if (ReadFindings(c, tx).GetValueOrDefault(fingerprint)?.Undismissed(now) is not { } lifted) return false;
            WriteFinding(c, tx, lifted);
            tx.Commit();
            return true;
        });
    }

    public IReadOnlyList<TimingRecord> Timings(string procedure) => Read("SELECT procedure, input_key, run_id, ms FROM timings WHERE procedure = $p ORDER BY seq;",
        x => new TimingRecord(x.GetString(0), x.GetString(1), x.GetString(2), x.GetDouble(3)), ("$p", procedure));

    public void RecordHeal(HealRecord heal) => Write("INSERT INTO heals (time, target, bug_class, status, fingerprint, run_id, heal_id) VALUES ($time, $target, $class, $status, $fp, $run, $id);",
        ("$time", Time(heal.Time)), ("$target", heal.Target), ("$class", heal.BugClass), ("$status", heal.Status.ToString()),
        ("$fp", heal.Fingerprint), ("$run", heal.RunId), ("$id", heal.HealId));

    public IReadOnlyList<HealRecord> Heals() => Read("SELECT time, target, bug_class, status, fingerprint, run_id, heal_id FROM heals ORDER BY seq;",
        x => new HealRecord(ParseTime(x.GetString(0)), x.GetString(1), x.GetString(2), Enum.Parse<HealStatus>(x.GetString(3)),
            x.IsDBNull(4) ? null : x.GetString(4), x.IsDBNull(5) ? null : x.GetString(5), x.IsDBNull(6) ? null : x.GetString(6)));

    public IReadOnlyList<MutantRecord> Mutants(string transformation) => Read("SELECT transformation, mutant_key, operator, status, run_id FROM mutants WHERE transformation = $t ORDER BY mutant_key;",
        x => new MutantRecord(x.GetString(0), x.GetString(1), x.GetString(2), x.GetString(3), x.GetString(4)), ("$t", transformation));

    public IReadOnlyList<InvariantRecord> Invariants(string transformation) => Read("SELECT transformation, invariant, source FROM invariants WHERE transformation = $t ORDER BY invariant;",
        x => new InvariantRecord(x.GetString(0), x.GetString(1), x.GetString(2)), ("$t", transformation));

    public GreenVersion? LastGreen(string transformation) => Read("SELECT transformation, file, hash, run_id, time, text FROM green_versions WHERE transformation = $t;",
        x => new GreenVersion(x.GetString(0), x.GetString(1), x.GetString(2), x.GetString(3), ParseTime(x.GetString(4)), x.GetString(5)), ("$t", transformation)).FirstOrDefault();

    public void RecordGeneration(GenerationRecord g) => Write("INSERT OR REPLACE INTO generation VALUES ($key, $t, $outcome, $reason, $file, $run, $time);",
        ("$key", g.Key), ("$t", g.Transformation), ("$outcome", g.Outcome), ("$reason", g.Reason), ("$file", g.File), ("$run", g.RunId), ("$time", Time(g.Time)));

    public GenerationRecord? Generation(string key) => Read("SELECT key, transformation, outcome, reason, file, run_id, time FROM generation WHERE key = $key;",
        x => new GenerationRecord(x.GetString(0), x.GetString(1), x.GetString(2), x.IsDBNull(3) ? null : x.GetString(3),
            x.IsDBNull(4) ? null : x.GetString(4), x.GetString(5), ParseTime(x.GetString(6))), ("$key", key)).FirstOrDefault();

    public void Append(AuditEntry entry) => Write("INSERT INTO audit (time, actor, action, target, reason, details) VALUES ($time, $actor, $action, $target, $reason, $details);",
        ("$time", Time(entry.Time)), ("$actor", entry.Actor), ("$action", entry.Action), ("$target", entry.Target), ("$reason", entry.Reason),
        ("$details", entry.Details is null ? null : JsonSerializer.Serialize(entry.Details)));

    public IReadOnlyList<AuditEntry> AuditEntries() => Read("SELECT time, actor, action, target, reason, details FROM audit ORDER BY seq;",
        x => new AuditEntry(ParseTime(x.GetString(0)), x.GetString(1), x.GetString(2), x.GetString(3), x.GetString(4),
            x.IsDBNull(5) ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(x.GetString(5))));

    public void Dispose()
    {
        lock (_gate)
        {
            _connection?.Dispose();
            _connection = null;
        }
    }

    /// <summary>Turns SQLite's and the disk's errors into one that names the memory file.</summary>
    private T Guard<T>(Func<T> action)
    {
        try { return action(); }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            throw new MemoryStoreException($"{Describe()}: {e.Message}", e);
        }
    }

    private void Guard(Action action) => Guard(() => { action(); return true; });

    private static Dictionary<string, FindingRecord> ReadFindings(SqliteConnection c, SqliteTransaction? tx)
    {
        using var cmd = Command(c, "SELECT fingerprint, rule_id, file, message, state, first_seen_run, last_seen_run, updated, reason, expires FROM findings;", tx);
        using var x = cmd.ExecuteReader();
        var result = new Dictionary<string, FindingRecord>(StringComparer.Ordinal);
        while (x.Read())
            result[x.GetString(0)] = new FindingRecord(x.GetString(0), x.GetString(1), x.GetString(2), x.GetString(3), Enum.Parse<FindingState>(x.GetString(4)),
                x.IsDBNull(5) ? null : x.GetString(5), x.IsDBNull(6) ? null : x.GetString(6), ParseTime(x.GetString(7)))
            {
                Reason = x.IsDBNull(8) ? null : x.GetString(8),
                Expires = x.IsDBNull(9) ? null : ParseTime(x.GetString(9)),
            };
        return result;
    }

    private static void WriteFinding(SqliteConnection c, SqliteTransaction tx, FindingRecord f) =>
        Execute(c, "INSERT OR REPLACE INTO findings VALUES ($fp, $rule, $file, $message, $state, $first, $last, $updated, $reason, $expires);", tx,
            ("$fp", f.Fingerprint), ("$rule", f.RuleId), ("$file", f.File), ("$message", f.Message), ("$state", f.State.ToString()),
            ("$first", f.FirstSeenRun), ("$last", f.LastSeenRun), ("$updated", Time(f.Updated)), ("$reason", f.Reason),
            ("$expires", f.Expires is { } e ? Time(e) : null));

    private void Write(string sql, params (string Name, object? Value)[] parameters)
    {
        lock (_gate) Guard(() => Execute(Connection(write: true)!, sql, null, parameters));
    }

    private List<T> Read<T>(string sql, Func<SqliteDataReader, T> row, params (string Name, object? Value)[] parameters)
    {
        lock (_gate) return Guard(() =>
        {
            var c = Connection(write: false);
            var result = new List<T>();
            if (c is null) return result;
            using var cmd = Command(c, sql, null, parameters);
            using var x = cmd.ExecuteReader();
            while (x.Read()) result.Add(row(x));
            return result;
        });
    }

    private static void Execute(SqliteConnection c, string sql, SqliteTransaction? tx = null, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command(c, sql, tx, parameters);
        cmd.ExecuteNonQuery();
    }

    private static SqliteCommand Command(SqliteConnection c, string sql, SqliteTransaction? tx, params (string Name, object? Value)[] parameters)
    {
        var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd;
    }

    /// <summary>Round-trip ISO 8601 in UTC: sorts as text.</summary>
    private static string Time(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(string s) => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
