using System.Data;
using System.Diagnostics;
using System.Text.RegularExpressions;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;
using Microsoft.Data.SqlClient;

namespace EtlAgent.Core.Sandbox.SqlServer;

/// <summary>
/// The opt-in sandbox on a real SQL Server (Microsoft.Data.SqlClient). Every case gets its own
/// connection and one transaction that is always rolled back. Tables a case touches are swapped
/// for empty copies the way tSQLt's FakeTable does: inside the transaction the original is renamed
/// and an empty copy without keys, checks, foreign keys or triggers takes its name (column types,
/// NULL-ability, identity and defaults kept, so omitted columns behave as in production). Code under
/// test resolves names when it runs, so it reads and writes the copies; the rollback restores the
/// originals. The target database must pass the <see cref="ProductionGuard"/>.
/// </summary>
public sealed class SqlServerSandboxFactory : ISandboxFactory
{
    private readonly SandboxSetup _setup;
    private readonly string _connectionString;
    private readonly IReadOnlyList<string> _allowDatabases;
    private readonly IFileSource? _files;

    /// <exception cref="ConfigurationException">The target is not marked as a sandbox.</exception>
    public SqlServerSandboxFactory(SandboxSetup setup, string connectionString, IReadOnlyList<string> allowDatabases, IFileSource? files = null)
    {
        var decision = ProductionGuard.Check(connectionString, allowDatabases);
        if (!decision.Allowed) throw new ConfigurationException(decision.Reason);
        _setup = setup;
        _connectionString = connectionString;
        _allowDatabases = allowDatabases;
        _files = files;
        var b = new SqlConnectionStringBuilder(connectionString);
        Database = decision.Database!;
        Name = $"SQL Server {b.DataSource}/{Database}";
    }

    public string Name { get; }

    public string Database { get; }

    /// <summary>Told (database, reason) when the open connection is refused by the production guard, for the audit trail.</summary>
    public Action<string, string>? Refused { get; init; }

    public async Task<ISandbox> CreateAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqlConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using (var check = new SqlCommand("SELECT DB_NAME()", connection))
            {
                var actual = (string)(await check.ExecuteScalarAsync(cancellationToken))!;
                var decision = ProductionGuard.CheckDatabase(actual, _allowDatabases);
                if (!decision.Allowed || !string.Equals(actual, Database, StringComparison.OrdinalIgnoreCase))
                {
                    var message = $"connected to database '{actual}' instead of '{Database}'. {decision.Reason}";
                    Refused?.Invoke(actual, message);
                    throw new ConfigurationException(message);
                }
            }
            var transaction = (SqlTransaction)await connection.BeginTransactionAsync(cancellationToken);
            return new SqlServerSandbox(connection, transaction, _setup, _files);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

internal sealed partial class SqlServerSandbox : ISandbox
{
    private readonly SqlConnection _connection;
    private readonly SqlTransaction _transaction;
    /// <summary>The workspace as the served transformation's database project sees it.</summary>
    private readonly WorkspaceAnalysis _workspace;
    private readonly IFileSource? _files;
    private readonly HashSet<QualifiedName> _faked = new();
    private readonly List<string> _messages = new();
    private bool _transactionLost;

    public SqlServerSandbox(SqlConnection connection, SqlTransaction transaction, SandboxSetup setup, IFileSource? files)
    {
        _connection = connection;
        _transaction = transaction;
        _workspace = setup.Workspace.For(setup.Serves);
        _files = files;
        _connection.InfoMessage += (_, e) =>
        {
            foreach (SqlError error in e.Errors) _messages.Add(error.Message);
        };
    }

    public async Task InsertRowsAsync(QualifiedName table, IReadOnlyList<SandboxRow> rows, CancellationToken cancellationToken = default)
    {
        await FakeAsync(table, cancellationToken);
        var def = _workspace.Catalog.Find(table);
        foreach (var row in rows)
        {
            bool identityInsert = def is not null && row.Keys.Any(k => def.FindColumn(k)?.Identity == true);
            var columns = row.Keys.ToList();
            var sql = new System.Text.StringBuilder();
            if (identityInsert) sql.Append($"SET IDENTITY_INSERT {Quote(table)} ON;\n");
            sql.Append($"INSERT INTO {Quote(table)} ({string.Join(", ", columns.Select(QuoteName))}) VALUES ({string.Join(", ", columns.Select((_, i) => "@p" + i))});");
            if (identityInsert) sql.Append($"\nSET IDENTITY_INSERT {Quote(table)} OFF;");
            await using var command = Command(sql.ToString());
            for (int i = 0; i < columns.Count; i++)
                command.Parameters.Add(Parameter("@p" + i, row[columns[i]], def?.FindColumn(columns[i])?.Type));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public async Task<ExecutionResult> ExecuteAsync(ExecutionRequest request, CancellationToken cancellationToken = default)
    {
        var transformation = FindTransformation(request.Transformation)
            ?? throw new InvalidOperationException($"'{request.Transformation}' is not a transformation of the workspace");
        foreach (var table in TablesTouched(transformation)) await FakeAsync(table, cancellationToken);

        _messages.Clear();
        if (request.Clock is not null)
            _messages.Add("note: the SQL Server sandbox cannot freeze the clock; GETDATE()/SYSDATETIME() return the server's time, not the case's clock.");
        var watch = Stopwatch.StartNew();
        var resultSets = new List<ResultSet>();
        var outputs = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        int? returnValue = null;
        SandboxError? error = null;
        try
        {
            switch (transformation.Kind)
            {
                case TransformationKind.Procedure:
                    returnValue = await ExecuteProcedureAsync(transformation, request, resultSets, outputs, cancellationToken);
                    break;
                case TransformationKind.View:
                    await using (var command = Command($"SELECT * FROM {Quote(QualifiedName.Parse(transformation.Name))};"))
                        await ReadResultSetsAsync(command, resultSets, cancellationToken);
                    break;
                case TransformationKind.Function:
                    await using (var command = FunctionCommand(transformation, request))
                        await ReadResultSetsAsync(command, resultSets, cancellationToken);
                    break;
                case TransformationKind.Script:
                    await ExecuteScriptAsync(transformation, resultSets, cancellationToken);
                    break;
            }
        }
        catch (SqlException e)
        {
            error = ToSandboxError(e, transformation);
        }
        await CheckTransactionAsync(cancellationToken);
        return new ExecutionResult(error, resultSets, _messages.ToList(), returnValue, outputs, watch.Elapsed);
    }

    public async Task<IReadOnlyList<SandboxRow>> ReadTableAsync(QualifiedName table, CancellationToken cancellationToken = default)
    {
        if (_transactionLost)
            throw new InvalidOperationException(TransactionEnded + "; anything it wrote afterwards was not rolled back");
        if (_workspace.Catalog.Find(table) is { Kind: TableKind.Table }) await FakeAsync(table, cancellationToken);
        else if (FindTransformation(table.ToString()) is { } view)
            foreach (var under in TablesTouched(view)) await FakeAsync(under, cancellationToken); // a view shows the copies, never real rows
        var sets = new List<ResultSet>();
        await using var command = Command($"SELECT * FROM {Quote(table)};");
        await ReadResultSetsAsync(command, sets, cancellationToken);
        return sets.Count == 0 ? Array.Empty<SandboxRow>() : sets[0].Rows;
    }

    private const string TransactionEnded = "the code under test ended the test transaction (ROLLBACK or COMMIT of the outermost transaction), so the tables' state after the call is gone";

    public async Task<bool> TableExistsAsync(QualifiedName table, CancellationToken cancellationToken = default)
    {
        if (_transactionLost)
            throw new InvalidOperationException(TransactionEnded);
        await using var command = Command("SELECT OBJECT_ID(@name, 'U');");
        command.Parameters.AddWithValue("@name", Quote(table));
        return await command.ExecuteScalarAsync(cancellationToken) is not (null or DBNull);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_connection.State == ConnectionState.Open)
            {
                await using var rollback = new SqlCommand("IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;", _connection) { Transaction = Live() };
                await rollback.ExecuteNonQueryAsync();
            }
        }
        catch (SqlException) { /* closing the connection rolls back whatever is left */ }
        catch (InvalidOperationException) { }
        await _connection.DisposeAsync();
    }

    /// <summary>tSQLt-style FakeTable: rename the original inside the transaction and put an empty copy without constraints in its place.</summary>
    private async Task FakeAsync(QualifiedName table, CancellationToken cancellationToken)
    {
        if (_faked.Contains(table)) return;
        var full = Quote(table);
        await using (var exists = Command("SELECT OBJECT_ID(@name, N'U');"))
        {
            exists.Parameters.Add(new SqlParameter("@name", SqlDbType.NVarChar, 776) { Value = full });
            if (await exists.ExecuteScalarAsync(cancellationToken) is null or DBNull)
                throw new InvalidOperationException($"table {table} does not exist in database '{_connection.Database}'; deploy the workspace's schema to the sandbox database first");
        }
        var suffix = "_etlagent_" + Guid.NewGuid().ToString("N")[..8];
        var renamed = new QualifiedName(table.Schema, (table.Name.Length + suffix.Length > 128 ? table.Name[..(128 - suffix.Length)] : table.Name) + suffix);
        var sql = $"""
            EXEC sys.sp_rename @objname = @original, @newname = @renamed, @objtype = N'OBJECT';
            SELECT * INTO {full} FROM {Quote(renamed)} WHERE 1 = 0;
            SELECT c.name, d.definition
            FROM sys.default_constraints AS d
            JOIN sys.columns AS c ON c.object_id = d.parent_object_id AND c.column_id = d.parent_column_id
            WHERE d.parent_object_id = OBJECT_ID(@renamedFull);
            """;
        var defaults = new List<(string Column, string Definition)>();
        await using (var command = Command(sql))
        {
            command.Parameters.Add(new SqlParameter("@original", SqlDbType.NVarChar, 776) { Value = full });
            command.Parameters.Add(new SqlParameter("@renamed", SqlDbType.NVarChar, 128) { Value = renamed.Name });
            command.Parameters.Add(new SqlParameter("@renamedFull", SqlDbType.NVarChar, 776) { Value = Quote(renamed) });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            do
            {
                while (await reader.ReadAsync(cancellationToken))
                    if (reader.FieldCount == 2) defaults.Add((reader.GetString(0), reader.GetString(1)));
            } while (await reader.NextResultAsync(cancellationToken));
        }
        foreach (var (column, definition) in defaults)
        {
            // The definition comes from the server's own catalog; unnamed, so it cannot clash with the original's constraint names.
            await using var add = Command($"ALTER TABLE {full} ADD DEFAULT {definition} FOR {QuoteName(column)};");
            await add.ExecuteNonQueryAsync(cancellationToken);
        }
        _faked.Add(table);
    }

    /// <summary>Tables the transformation reads or writes, directly or through the procedures it calls and the views and functions it reads.</summary>
    private IEnumerable<QualifiedName> TablesTouched(Transformation root)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var tables = new HashSet<QualifiedName>();
        var pending = new Stack<Transformation>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var t = pending.Pop();
            if (!seen.Add(t.Name)) continue;
            foreach (var name in t.Reads.Concat(t.Writes).Concat(t.Calls))
            {
                if (name.IsLocal) continue;
                if (_workspace.Catalog.Find(name) is { Kind: TableKind.Table }) tables.Add(name);
                else if (FindTransformation(name.ToString()) is { } inner) pending.Push(inner);
            }
        }
        return tables.OrderBy(t => t);
    }

    private Transformation? FindTransformation(string name)
    {
        var all = _workspace.Transformations.Select(t => t.Transformation);
        if (name.EndsWith(".sql", StringComparison.OrdinalIgnoreCase))
            return all.FirstOrDefault(t => t.Kind == TransformationKind.Script && string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase));
        var q = QualifiedName.Parse(name);
        return all.FirstOrDefault(t => t.Kind != TransformationKind.Script && QualifiedName.Parse(t.Name) == q);
    }

    private async Task<int?> ExecuteProcedureAsync(Transformation p, ExecutionRequest request, List<ResultSet> sets, Dictionary<string, object?> outputs, CancellationToken ct)
    {
        await using var command = Command(Quote(QualifiedName.Parse(p.Name)));
        command.CommandType = CommandType.StoredProcedure;
        foreach (var def in p.Parameters)
        {
            bool given = request.Arguments.TryGetValue(def.Name, out var value);
            if (!given && !def.IsOutput) continue; // the procedure's default applies
            var parameter = value is IEnumerable<SandboxRow> rows && _workspace.Catalog.FindTableType(def.Type) is { } tableType
                ? TableValued(def.Name, rows, tableType)
                : Parameter(def.Name, value, def.Type);
            if (def.IsOutput) parameter.Direction = ParameterDirection.InputOutput;
            command.Parameters.Add(parameter);
        }
        var ret = new SqlParameter("@RETURN_VALUE", SqlDbType.Int) { Direction = ParameterDirection.ReturnValue };
        command.Parameters.Add(ret);
        await ReadResultSetsAsync(command, sets, ct);
        foreach (SqlParameter parameter in command.Parameters)
            if (parameter.Direction == ParameterDirection.InputOutput)
                outputs[parameter.ParameterName] = parameter.Value is DBNull ? null : parameter.Value;
        return ret.Value is int r ? r : null;
    }

    private SqlCommand FunctionCommand(Transformation f, ExecutionRequest request)
    {
        var name = QualifiedName.Parse(f.Name);
        var args = f.Parameters.Select((p, i) => request.Arguments.ContainsKey(p.Name) ? "@a" + i : "DEFAULT");
        bool tableValued = _workspace.Catalog.Find(name) is { Kind: TableKind.FunctionResult };
        var call = $"{Quote(name)}({string.Join(", ", args)})";
        var command = Command(tableValued ? $"SELECT * FROM {call};" : $"SELECT {call} AS [result];");
        for (int i = 0; i < f.Parameters.Count; i++)
            if (request.Arguments.TryGetValue(f.Parameters[i].Name, out var value))
                command.Parameters.Add(Parameter("@a" + i, value, f.Parameters[i].Type));
        return command;
    }

    private async Task ExecuteScriptAsync(Transformation script, List<ResultSet> sets, CancellationToken ct)
    {
        if (_files is null) throw new InvalidOperationException("the SQL Server sandbox was created without the workspace's files, so it cannot run scripts");
        foreach (var (text, _) in Batches(_files.ReadAllText(script.File)))
        {
            await using var command = Command(text);
            await ReadResultSetsAsync(command, sets, ct);
        }
    }

    /// <summary>Splits a script into batches on GO lines, as sqlcmd does; each batch with its zero-based first line.</summary>
    internal static IEnumerable<(string Text, int FirstLine)> Batches(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        var current = new System.Text.StringBuilder();
        int first = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            var m = GoLine().Match(lines[i]);
            if (!m.Success) { current.Append(lines[i]).Append('\n'); continue; }
            int repeat = m.Groups[1].Success ? int.Parse(m.Groups[1].Value) : 1;
            if (current.ToString().Trim().Length > 0)
                for (int k = 0; k < repeat; k++) yield return (current.ToString(), first);
            current.Clear();
            first = i + 1;
        }
        if (current.ToString().Trim().Length > 0) yield return (current.ToString(), first);
    }

    [GeneratedRegex(@"^\s*GO(?:\s+(\d+))?\s*(?:--.*)?$", RegexOptions.IgnoreCase)]
    private static partial Regex GoLine();

    private static async Task ReadResultSetsAsync(SqlCommand command, List<ResultSet> sets, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        do
        {
            if (reader.FieldCount == 0) continue;
            var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToList();
            var rows = new List<SandboxRow>();
            while (await reader.ReadAsync(ct))
            {
                var row = new SandboxRow();
                for (int i = 0; i < reader.FieldCount; i++)
                {
                    var v = reader.GetValue(i);
                    row[columns[i].Length == 0 ? $"column{i + 1}" : columns[i]] = v is DBNull ? null : v;
                }
                rows.Add(row);
            }
            sets.Add(new ResultSet(columns, rows));
        } while (await reader.NextResultAsync(ct));
    }

    /// <summary>The error as SQL Server reports it, placed in the workspace file: procedure line numbers count from the start of its batch.</summary>
    private SandboxError ToSandboxError(SqlException e, Transformation target)
    {
        var error = e.Errors.Cast<SqlError>().FirstOrDefault(x => x.Class > 10) ?? e.Errors[0];
        var where = string.IsNullOrEmpty(error.Procedure) ? target : FindTransformation(error.Procedure) ?? target;
        Location? location = null;
        string? statement = null;
        if (_files is not null && error.LineNumber > 0)
        {
            try
            {
                var text = _files.ReadAllText(where.File).Replace("\r\n", "\n");
                var lines = text.Split('\n');
                int batchFirst = 0;
                if (where.Kind != TransformationKind.Script || !string.IsNullOrEmpty(error.Procedure))
                {
                    for (int i = Math.Min(where.HeaderRange.Start.Line, lines.Length) - 1; i >= 0; i--)
                        if (GoLine().IsMatch(lines[i])) { batchFirst = i + 1; break; }
                }
                int line = Math.Clamp(batchFirst + error.LineNumber - 1, 0, lines.Length - 1);
                int column = lines[line].Length - lines[line].TrimStart().Length;
                location = new Location(where.File, new TextRange(0, 0, new LinePosition(line, column), new LinePosition(line, lines[line].Length)));
                statement = lines[line].Trim();
            }
            catch (Exception x) when (x is IOException or UnauthorizedAccessException or FileNotFoundException) { }
        }
        return new SandboxError(error.Number, error.Message, error.Class, error.State, location, statement);
    }

    private async Task CheckTransactionAsync(CancellationToken ct)
    {
        try
        {
            await using var command = new SqlCommand("SELECT @@TRANCOUNT;", _connection) { Transaction = Live() };
            var count = Convert.ToInt32(await command.ExecuteScalarAsync(ct));
            if (count == 0)
            {
                _transactionLost = true;
                _messages.Add("warning: the code under test ended the test transaction; the case's table state is gone.");
            }
        }
        catch (SqlException) { _transactionLost = true; }
    }

    private SqlTransaction? Live() => _transaction.Connection is null ? null : _transaction;

    private SqlCommand Command(string sql) => new(sql, _connection) { Transaction = Live(), CommandTimeout = 120 };

    private static string Quote(QualifiedName name) => $"{QuoteName(name.Schema)}.{QuoteName(name.Name)}";

    private static string QuoteName(string name) => "[" + name.Replace("]", "]]") + "]";

    /// <summary>A table-valued parameter: the rows as a DataTable in the table type's column order.</summary>
    private static SqlParameter TableValued(string name, IEnumerable<SandboxRow> rows, TableDef tableType)
    {
        var table = new DataTable();
        foreach (var c in tableType.Columns) table.Columns.Add(c.Name, typeof(object));
        foreach (var row in rows)
            table.Rows.Add(tableType.Columns.Select(c => row.TryGetValue(c.Name, out var v) && v is not null ? v : DBNull.Value).ToArray());
        return new SqlParameter(name, SqlDbType.Structured) { TypeName = Quote(tableType.Name), Value = table };
    }

    private static SqlParameter Parameter(string name, object? value, SqlType? type)
    {
        var p = new SqlParameter(name, value ?? DBNull.Value);
        if (type is null) return p;
        switch (type.Name)
        {
            case "bit": p.SqlDbType = SqlDbType.Bit; break;
            case "tinyint": p.SqlDbType = SqlDbType.TinyInt; break;
            case "smallint": p.SqlDbType = SqlDbType.SmallInt; break;
            case "int": p.SqlDbType = SqlDbType.Int; break;
            case "bigint": p.SqlDbType = SqlDbType.BigInt; break;
            case "decimal" or "numeric": p.SqlDbType = SqlDbType.Decimal; p.Precision = (byte)(type.Precision ?? 18); p.Scale = (byte)(type.Scale ?? 0); break;
            case "money": p.SqlDbType = SqlDbType.Money; break;
            case "smallmoney": p.SqlDbType = SqlDbType.SmallMoney; break;
            case "float": p.SqlDbType = SqlDbType.Float; break;
            case "real": p.SqlDbType = SqlDbType.Real; break;
            case "date": p.SqlDbType = SqlDbType.Date; break;
            case "datetime": p.SqlDbType = SqlDbType.DateTime; break;
            case "smalldatetime": p.SqlDbType = SqlDbType.SmallDateTime; break;
            case "datetime2": p.SqlDbType = SqlDbType.DateTime2; p.Scale = (byte)(type.Scale ?? 7); break;
            case "datetimeoffset": p.SqlDbType = SqlDbType.DateTimeOffset; p.Scale = (byte)(type.Scale ?? 7); break;
            case "time": p.SqlDbType = SqlDbType.Time; p.Scale = (byte)(type.Scale ?? 7); break;
            case "char": p.SqlDbType = SqlDbType.Char; p.Size = type.EffectiveLength ?? 1; break;
            case "varchar": p.SqlDbType = SqlDbType.VarChar; p.Size = type.EffectiveLength ?? -1; break;
            case "nchar": p.SqlDbType = SqlDbType.NChar; p.Size = type.EffectiveLength ?? 1; break;
            case "nvarchar" or "sysname": p.SqlDbType = SqlDbType.NVarChar; p.Size = type.EffectiveLength ?? -1; break;
            case "text": p.SqlDbType = SqlDbType.Text; break;
            case "ntext": p.SqlDbType = SqlDbType.NText; break;
            case "binary": p.SqlDbType = SqlDbType.Binary; p.Size = type.EffectiveLength ?? 1; break;
            case "varbinary": p.SqlDbType = SqlDbType.VarBinary; p.Size = type.EffectiveLength ?? -1; break;
            case "uniqueidentifier": p.SqlDbType = SqlDbType.UniqueIdentifier; break;
            case "xml": p.SqlDbType = SqlDbType.Xml; break;
        }
        return p;
    }
}
