using EtlAgent.Core.WorkspaceModel;
using DuckDB.NET.Data;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.DuckDb;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Sandbox.Tests;

/// <summary>
/// Names and string values from user code reach DuckDB only quoted (SqlText.Id / SqlText.Str) and
/// only after the configuration is locked: a name holding quotes, a bracket, a newline, a semicolon
/// and comment starts creates the object with exactly that name, and nothing of it runs as SQL.
/// Each runs in the three ways a sandbox is set up: the whole schema at once, lazily in a new
/// instance, and lazily in a database attached to a reused instance (SandboxPool, which the
/// old set-up fed by splitting its script on lines).
/// </summary>
[Collection(nameof(SandboxReuseTests))] // switches the process-wide reuse on while it runs
public sealed class SandboxInjectionTests
{
    public enum Mode { Eager, Lazy, Pooled }

    /// <summary>Every character that could end a quoted name or a statement, then statements that must never run.</summary>
    private const string Evil = "x'\"]\n;CREATE TABLE pwned (i int); SET VARIABLE pwned = 1; -- /* \n";

    /// <summary><see cref="Evil"/> as a T-SQL bracketed identifier.</summary>
    private static readonly string B = "[" + Evil.Replace("]", "]]") + "]";

    /// <summary><see cref="Evil"/> as a T-SQL string literal.</summary>
    private static readonly string S = "N'" + Evil.Replace("'", "''") + "'";

    /// <summary>Per identifier position: the workspace DDL, a script using the object, and what its last result set shows.</summary>
    public static TheoryData<string, string, string, string> Positions => new()
    {
        { "table", $"CREATE TABLE dbo.{B} (Id int PRIMARY KEY, Name nvarchar(10));",
          $"INSERT INTO dbo.{B} VALUES (1, N'a'); SELECT Name FROM dbo.{B};", "a" },
        { "column", $"CREATE TABLE dbo.T (Id int PRIMARY KEY, {B} nvarchar(10));",
          $"INSERT INTO dbo.T (Id, {B}) VALUES (1, N'b'); SELECT {B} FROM dbo.T;", "b" },
        { "schema", $"CREATE SCHEMA {B};\nGO\nCREATE TABLE {B}.T (Id int PRIMARY KEY);",
          $"INSERT INTO {B}.T VALUES (7); SELECT Id FROM {B}.T;", "7" },
        { "sequence", $"CREATE SEQUENCE dbo.{B} AS int START WITH 5 INCREMENT BY 1;",
          $"SELECT NEXT VALUE FOR dbo.{B} AS v;", "5" },
        { "constraint", $"CREATE TABLE dbo.T (Id int CONSTRAINT {B} PRIMARY KEY, K int CONSTRAINT [CK{Evil.Replace("]", "]]")}] CHECK (K > 0));",
          "INSERT INTO dbo.T VALUES (1, 1); SELECT K FROM dbo.T;", "1" },
        { "default", $"CREATE TABLE dbo.T (Id int PRIMARY KEY, C nvarchar(100) CONSTRAINT {B} DEFAULT {S});",
          "INSERT INTO dbo.T (Id) VALUES (1); SELECT C FROM dbo.T;", Evil },
        { "check", $"CREATE TABLE dbo.T (Id int PRIMARY KEY, C nvarchar(100) CONSTRAINT {B} CHECK (C <> {S}));",
          "INSERT INTO dbo.T VALUES (1, N'ok'); SELECT C FROM dbo.T;", "ok" },
        { "computed column", $"CREATE TABLE dbo.T (Id int PRIMARY KEY, C nvarchar(10), {B} AS ({S} + C));",
          $"INSERT INTO dbo.T (Id, C) VALUES (1, N'!'); SELECT {B} FROM dbo.T;", Evil + "!" },
        // identity sequence named after the table; a table with an identity whose name has a double quote
        { "identity", $"CREATE TABLE dbo.{B} (Id int IDENTITY(10, 1) PRIMARY KEY, C int);",
          $"INSERT INTO dbo.{B} (C) VALUES (1); TRUNCATE TABLE dbo.{B}; INSERT INTO dbo.{B} (C) VALUES (2); SELECT Id FROM dbo.{B};", "10" },
    };

    [Theory]
    [MemberData(nameof(Positions))]
    public async Task A_hostile_name_creates_exactly_that_object_and_runs_nothing(string position, string ddl, string script, string shown)
    {
        foreach (var mode in Enum.GetValues<Mode>())
        for (int reuse = 0; reuse < (mode == Mode.Pooled ? 2 : 1); reuse++) // the second takes an idle instance
        {
            var factory = Factory(ddl, mode);
            await using var s = (DuckDbSandbox)await factory.CreateAsync();
            var r = await s.ExecuteSqlAsync(script);
            Assert.True(r.Error is null, $"{position}, {mode}: {r.Error?.Message}");
            Assert.Equal(shown, Harness.Render(r.ResultSets[^1]));
            var c = (DuckDBConnection)s.ConnectionForTests;
            var names = Strings(c, "SELECT table_name FROM duckdb_tables() UNION ALL SELECT sequence_name FROM duckdb_sequences() UNION ALL SELECT column_name FROM duckdb_columns()");
            switch (position)
            {
                case "table": Assert.Contains("dbo." + Evil, names); break;
                case "column" or "computed column": Assert.Contains(Evil, names); break;
                case "schema": Assert.Contains(Evil + ".T", names); break;
                // DuckDB's nextval() cannot name a double quote: the one encoding in SqlText
                case "sequence": Assert.Contains("dbo." + EtlAgent.Core.Translation.SqlText.SequencePhysicalName(Evil), names); break;
            }
            NothingElseRan(c);
        }
    }

    /// <summary>A constraint's and a check's exact name reach the error SQL Server would raise.</summary>
    [Fact]
    public async Task A_hostile_check_name_is_named_exactly_in_the_error()
    {
        var factory = Factory($"CREATE TABLE dbo.T (Id int PRIMARY KEY, K int CONSTRAINT {B} CHECK (K > 0));", Mode.Pooled);
        await using var s = (DuckDbSandbox)await factory.CreateAsync();
        var r = await s.ExecuteSqlAsync("INSERT INTO dbo.T VALUES (1, 0);");
        Assert.Equal(547, r.Error?.Number);
        Assert.Contains($"CHECK constraint \"{Evil}\"", r.Error!.Message);
        NothingElseRan((DuckDBConnection)s.ConnectionForTests);
    }

    /// <summary>A table type's name (a procedure's table-valued parameter) finds the type and creates its table variable.</summary>
    [Fact]
    public async Task A_hostile_table_type_name_serves_its_parameter()
    {
        var factory = Factory($"CREATE TYPE dbo.{B} AS TABLE ({B} int PRIMARY KEY);\nGO\nCREATE PROCEDURE dbo.P @t dbo.{B} READONLY AS SELECT {B} AS k FROM @t;", Mode.Pooled);
        await using var s = (DuckDbSandbox)await factory.CreateAsync();
        var rows = new List<SandboxRow> { new() { [Evil] = 3 }, new() { [Evil] = 4 } };
        var r = await s.ExecuteAsync(new ExecutionRequest("dbo.P", new Dictionary<string, object?> { ["@t"] = rows }));
        Assert.True(r.Error is null, r.Error?.Message);
        Assert.Equal("3 | 4", Harness.Render(r.ResultSets[0]));
        NothingElseRan((DuckDBConnection)s.ConnectionForTests);
    }

    /// <summary>The repro of the issue: a sequence name splitting the old line-based set-up script.</summary>
    [Theory]
    [InlineData(Mode.Eager)]
    [InlineData(Mode.Lazy)]
    [InlineData(Mode.Pooled)]
    public async Task A_sequence_name_with_statements_on_their_own_lines_runs_none_of_them(Mode mode)
    {
        var factory = Factory("CREATE SEQUENCE dbo.[s2\nSET threads = 4; SET VARIABLE pwned = 1; COPY (SELECT 42 AS a) TO 'x.csv';\nx] AS int START WITH 1;", mode);
        await using var s = (DuckDbSandbox)await factory.CreateAsync();
        var c = (DuckDBConnection)s.ConnectionForTests;
        Assert.Contains("dbo.s2\nSET threads = 4; SET VARIABLE pwned = 1; COPY (SELECT 42 AS a) TO 'x.csv';\nx", Strings(c, "SELECT sequence_name FROM duckdb_sequences()"));
        NothingElseRan(c);
    }

    // ETLAGENT_SANDBOX_REUSE=0 switches reuse off; on here whatever the environment says
    private static readonly SandboxPool Pool = new(EtlAgent.Core.Ports.EnvironmentVariables.None);

    /// <summary>A sandbox factory for the DDL; pooled: serving one known transformation, so cases run in reused instances.</summary>
    private static DuckDbSandboxFactory Factory(string ddl, Mode mode)
    {
        var files = new MemoryFileSource().Add("schema.sql", ddl).Add("serve.sql", "CREATE PROCEDURE dbo.Serve AS RETURN 0;");
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Load(files)) { RetainSyntax = true, MaxDegreeOfParallelism = 1 }.Analyze(files);
        var factory = new DuckDbSandboxFactory(new SandboxSetup(analysis, Serves: mode == Mode.Pooled ? "dbo.Serve" : null), null, mode == Mode.Pooled ? Pool : null, lazySchema: mode != Mode.Eager);
        Assert.Empty(factory.Skipped);
        return factory;
    }

    /// <summary>No injected table or variable, one thread, and the configuration still locked.</summary>
    private static void NothingElseRan(DuckDBConnection c)
    {
        Assert.DoesNotContain(Strings(c, "SELECT table_name FROM duckdb_tables()"), n => n.Equals("pwned", StringComparison.OrdinalIgnoreCase));
        Assert.Empty(Strings(c, "SELECT name FROM duckdb_variables() WHERE name = 'pwned'"));
        Assert.Equal("1", Strings(c, "SELECT current_setting('threads')::VARCHAR")[0]);
        Assert.Equal("true", Strings(c, "SELECT current_setting('lock_configuration')::VARCHAR")[0]);
        Assert.Equal("false", Strings(c, "SELECT current_setting('enable_external_access')::VARCHAR")[0]);
    }

    private static List<string> Strings(DuckDBConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        using var r = cmd.ExecuteReader();
        var list = new List<string>();
        while (r.Read()) list.Add(r.IsDBNull(0) ? "" : r.GetValue(0).ToString()!);
        return list;
    }
}
