using EtlAgent.Core.Model;

namespace EtlAgent.Core.Translation;

/// <summary>
/// sys.dm_exec_sessions and sys.dm_db_partition_stats over the sandbox's own session and tables.
/// Columns whose value the sandbox does not have (CPU time, pages, client details) are
/// <see cref="SystemViews.NotAnswered"/>: a statement that reads one is refused there.
/// </summary>
public static class DynamicManagementViews
{
    /// <summary>The sandbox's one session: @@SPID and sys.dm_exec_sessions.session_id.</summary>
    public const short SessionId = 55;

    /// <summary>The intrinsic the interpreter answers with the session's isolation level code (2 = READ COMMITTED).</summary>
    public const string IsolationLevelIntrinsic = "SESSION:transaction_isolation_level";

    /// <summary>The intrinsic (followed by schema, newline, name) the interpreter answers with the rows one catalog table has now.</summary>
    public const string RowCountIntrinsic = "SESSION:row_count\n";

    private static readonly SqlType Name = new("nvarchar", 128), SmallInt = new("smallint"), Int = new("int"), BigInt = new("bigint"), Bit = new("bit"),
        DateTime = new("datetime");

    private static readonly object NA = SystemViews.NotAnswered;

    /// <summary>The view's columns and rows, or null when it is not one of these (or the session's state is not known here).</summary>
    public static (IReadOnlyList<(string Name, SqlType Type)> Columns, IEnumerable<object?[]> Rows)? Of(string name, TranslationEnv env) => name switch
    {
        "DM_EXEC_SESSIONS" => Sessions(env),
        "DM_DB_PARTITION_STATS" => PartitionStats(env),
        _ => null,
    };

    /// <summary>
    /// One row, the sandbox's session: a login without VIEW SERVER STATE sees only its own session
    /// (sys.dm_exec_sessions, Permissions). The SET options are the ones the sandbox runs with
    /// (it refuses the SET statements that would change them); the login is SUSER_SNAME()'s, a SQL Server
    /// login, so nt_domain and nt_user_name are NULL as the view gives them for non-domain users.
    /// </summary>
    private static (IReadOnlyList<(string, SqlType)>, IEnumerable<object?[]>)? Sessions(TranslationEnv env)
    {
        if (env.Intrinsic(IsolationLevelIntrinsic) is not { } isolation || env.Intrinsic("@@TRANCOUNT") is not { } tranCount) return null;
        var columns = new (string Name, SqlType Type, object? Value)[]
        {
            ("session_id", SmallInt, SessionId), ("login_time", DateTime, env.Clock), ("host_name", Name, "sandbox"), ("program_name", Name, "EtlAgent"),
            ("host_process_id", Int, NA), ("client_version", Int, NA), ("client_interface_name", new SqlType("nvarchar", 32), NA),
            ("security_id", new SqlType("varbinary", 85), NA), ("login_name", Name, "sandbox"), ("nt_domain", Name, null), ("nt_user_name", Name, null),
            ("status", new SqlType("nvarchar", 30), "running"), ("context_info", new SqlType("varbinary", 128), NA), ("cpu_time", Int, NA),
            ("memory_usage", Int, NA), ("total_scheduled_time", Int, NA), ("total_elapsed_time", Int, NA), ("endpoint_id", Int, NA),
            ("last_request_start_time", DateTime, NA), ("last_request_end_time", DateTime, NA), ("reads", BigInt, NA), ("writes", BigInt, NA),
            ("logical_reads", BigInt, NA), ("is_user_process", Bit, true), ("text_size", Int, NA), ("language", Name, "us_english"),
            ("date_format", new SqlType("nvarchar", 3), "mdy"), ("date_first", SmallInt, (short)7), ("quoted_identifier", Bit, true),
            ("arithabort", Bit, true), ("ansi_null_dflt_on", Bit, NA), ("ansi_defaults", Bit, NA), ("ansi_warnings", Bit, true),
            ("ansi_padding", Bit, true), ("ansi_nulls", Bit, true), ("concat_null_yields_null", Bit, true),
            ("transaction_isolation_level", SmallInt, Convert.ToInt16(isolation.Value, System.Globalization.CultureInfo.InvariantCulture)),
            ("lock_timeout", Int, NA), ("deadlock_priority", Int, NA), ("row_count", BigInt, NA), ("prev_error", Int, NA),
            ("original_security_id", new SqlType("varbinary", 85), NA), ("original_login_name", Name, "sandbox"),
            ("last_successful_logon", DateTime, NA), ("last_unsuccessful_logon", DateTime, NA), ("unsuccessful_logons", BigInt, NA),
            ("group_id", Int, NA), ("database_id", SmallInt, (short)SystemViews.SandboxDatabaseId), ("authenticating_database_id", Int, NA),
            ("open_transaction_count", Int, Convert.ToInt32(tranCount.Value, System.Globalization.CultureInfo.InvariantCulture)),
            ("page_server_reads", BigInt, NA),
        };
        return (columns.Select(c => (c.Name, c.Type)).ToList(), new[] { columns.Select(c => c.Value).ToArray() });
    }

    /// <summary>
    /// One row per user table for its data, the heap (index_id 0) or the clustered index (1) of its
    /// declared clustered key, with the rows it has when the statement runs. The sandbox keeps no
    /// other indexes and no partitions, so there is one partition and no nonclustered index rows;
    /// page counts are not the sandbox's to give.
    /// </summary>
    private static (IReadOnlyList<(string, SqlType)>, IEnumerable<object?[]>)? PartitionStats(TranslationEnv env)
    {
        var columns = new (string, SqlType)[]
        {
            ("partition_id", BigInt), ("object_id", Int), ("index_id", Int), ("partition_number", Int), ("in_row_data_page_count", BigInt),
            ("in_row_used_page_count", BigInt), ("in_row_reserved_page_count", BigInt), ("lob_used_page_count", BigInt), ("lob_reserved_page_count", BigInt),
            ("row_overflow_used_page_count", BigInt), ("row_overflow_reserved_page_count", BigInt), ("used_page_count", BigInt),
            ("reserved_page_count", BigInt), ("row_count", BigInt),
        };
        var rows = new List<object?[]>();
        foreach (var (table, _) in env.Objects().Where(o => o.Type == "U"))
        {
            if (env.Intrinsic(RowCountIntrinsic + table.Schema + "\n" + table.Name) is not { } count) return null;
            int id = MetadataFunctions.IdOf(table);
            int index = env.Catalog.Find(table)?.Keys.Any(k => k.IsClustered) == true ? 1 : 0;
            rows.Add(new object?[] { ((long)id << 16) | (uint)index, id, index, 1, NA, NA, NA, NA, NA, NA, NA, NA, NA,
                Convert.ToInt64(count.Value, System.Globalization.CultureInfo.InvariantCulture) });
        }
        return (columns, rows);
    }
}
