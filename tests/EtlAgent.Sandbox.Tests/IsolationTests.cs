using EtlAgent.Core.Model;
using DuckDB.NET.Data;
using EtlAgent.Core.Sandbox.DuckDb;

namespace EtlAgent.Sandbox.Tests;

/// <summary>The sandbox database cannot read files, reach the network, attach databases, load extensions or unlock itself.</summary>
public sealed class IsolationTests
{
    public static TheoryData<string> Forbidden => new()
    {
        "SELECT * FROM read_csv_auto('/etc/hostname')",
        "COPY (SELECT 1) TO '/tmp/etlagent-sandbox-escape.csv'",
        "ATTACH '/tmp/etlagent-sandbox-escape.db' AS other",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SET enable_external_access = true",
        "SET lock_configuration = false",
        "SELECT * FROM read_parquet('https://example.com/x.parquet')",
    };

    [Theory]
    [MemberData(nameof(Forbidden))]
    public void Raw_SQL_cannot_escape(string sql)
    {
        using var c = DuckDbSandboxFactory.OpenLocked();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        Assert.ThrowsAny<DuckDBException>(() => cmd.ExecuteNonQuery());
    }

    [Fact]
    public async Task File_functions_are_not_even_translated()
    {
        await using var s = (DuckDbSandbox)await Harness.Conformance.CreateAsync();
        await Assert.ThrowsAsync<EtlAgent.Core.Model.UnsupportedConstructException>(() => s.ExecuteSqlAsync("SELECT * FROM OPENROWSET(BULK '/etc/hostname', SINGLE_CLOB) AS f;"));
    }

    [Fact(Timeout = 120_000)]
    public async Task A_query_that_never_ends_stops_when_its_case_is_cancelled()
    {
        // one engine query, no statement boundary to check the token at: the timeout must interrupt the engine
        await using var s = (DuckDbSandbox)await Harness.Conformance.CreateAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => s.ExecuteSqlAsync(
            "WITH n(i) AS (SELECT CAST(1 AS bigint) UNION ALL SELECT i + 1 FROM n) SELECT COUNT(*) FROM n OPTION (MAXRECURSION 0);",
            cancellationToken: cts.Token));
    }
}

/// <summary>Runs alone: it switches the process-wide database reuse on for its duration.</summary>
[CollectionDefinition(nameof(SandboxReuseTests), DisableParallelization = true)]
[Collection(nameof(SandboxReuseTests))]
public sealed class SandboxReuseTests
{
    /// <summary>
    /// Cases of one transformation run in databases attached to reused DuckDB instances
    /// (SandboxPool): nothing of the previous case may show — rows, identity and sequence values,
    /// #temp tables, an open transaction.
    /// </summary>
    [Fact]
    public async Task A_reused_database_shows_nothing_of_the_previous_case()
    {
        const string Script = """
            INSERT INTO Dim.Customer ([Customer Code], [Customer Name], [Bill To Customer Code], [Category], [Buying Group], [Primary Contact], [Postal Code], [Valid From], [Valid To], [Lineage Key])
            VALUES (N'C-1', N'A', N'C-1', N'Retail', N'None', N'Pat', N'1000', '2016-01-01', '9999-12-31', 0);
            INSERT INTO [Etl].[Run Log] ([Started At]) VALUES ('2016-06-02');
            CREATE TABLE #Leftover (x int);
            INSERT INTO #Leftover VALUES (1);
            SELECT (SELECT MAX([Customer Key]) FROM Dim.Customer) AS CustomerKey, (SELECT MAX([Run ID]) FROM [Etl].[Run Log]) AS RunId,
                   (SELECT COUNT(*) FROM Dim.Customer) AS Customers;
            BEGIN TRANSACTION;
            INSERT INTO [Etl].[Run Log] ([Started At]) VALUES ('2016-06-03');
            """;
        // ETLAGENT_SANDBOX_REUSE=0 switches reuse off; on here whatever the environment says
        using var pool = new SandboxPool(EtlAgent.Core.Ports.EnvironmentVariables.None);
        {
            var factory = new DuckDbSandboxFactory(new EtlAgent.Core.Sandbox.SandboxSetup(Harness.Analyze(Harness.Fixture("warehouse")), Serves: "Dim.LoadCustomer"), null, pool);
            string? first = null;
            for (int i = 0; i < 3; i++)
            {
                await using var s = (DuckDbSandbox)await factory.CreateAsync();
                var r = await s.ExecuteSqlAsync(Script);
                Assert.Null(r.Error);
                var shown = Harness.Render(r.ResultSets[0]);
                first ??= shown;
                Assert.Equal(first, shown);   // same keys, one customer: nothing carried over
                Assert.Empty(await s.ReadTableAsync(EtlAgent.Core.Model.QualifiedName.Parse("Fact.Sale")));
            }
            Assert.Contains("1", first);
            Assert.True(pool.IdleCount > 0, "the cases above went through the pool");
        }
    }

    /// <summary>
    /// A system view is a table built once per DuckDB instance (named by a hash of its rows), not
    /// rows inlined in every statement: every case of a pooled instance reads the same rows, the first
    /// read inside a transaction that already wrote a table included (DuckDB lets a transaction write to
    /// one database only: the rows are inlined there), and an instance of its own answers the same.
    /// </summary>
    [Fact]
    public async Task System_views_are_built_once_per_instance_and_answer_the_same_in_every_case()
    {
        const string Script = """
            BEGIN TRANSACTION;
            INSERT INTO [Etl].[Run Log] ([Started At]) VALUES ('2016-06-02');
            SELECT COUNT(*) AS n FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = 'Dim' AND TABLE_NAME = 'Customer';
            ROLLBACK;
            SELECT COUNT(*) AS n, MIN(COLUMN_NAME) AS first_column, MAX(ORDINAL_POSITION) AS last_position
            FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = 'Dim' AND TABLE_NAME = 'Customer';
            SELECT COUNT(*) AS tables FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_TYPE = 'BASE TABLE';
            """;
        var analysis = Harness.Analyze(Harness.Fixture("warehouse"));
        int columns = analysis.Catalog.Find(EtlAgent.Core.Model.QualifiedName.Parse("Dim.Customer"))!.Columns.Count;
        using var pool = new SandboxPool(EtlAgent.Core.Ports.EnvironmentVariables.None);
        var pooled = new DuckDbSandboxFactory(new EtlAgent.Core.Sandbox.SandboxSetup(analysis, Serves: "Dim.LoadCustomer"), null, pool);
        var shown = new List<string>();
        var connections = new HashSet<object>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < 3; i++)
        {
            await using var s = (DuckDbSandbox)await pooled.CreateAsync();
            connections.Add(s.ConnectionForTests);
            var r = await s.ExecuteSqlAsync(Script);
            Assert.Null(r.Error);
            Assert.Equal(columns.ToString(System.Globalization.CultureInfo.InvariantCulture), r.ResultSets[0].Rows[0]["n"]?.ToString());
            Assert.Equal(r.ResultSets[0].Rows[0]["n"]?.ToString(), r.ResultSets[1].Rows[0]["n"]?.ToString());
            shown.Add(string.Join("\n", r.ResultSets.Skip(1).Select(rs => Harness.Render(rs))));
            // one table per system view read, whatever the number of statements and cases
            using var cmd = ((DuckDB.NET.Data.DuckDBConnection)s.ConnectionForTests).CreateCommand();
            cmd.CommandText = "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'memory' AND table_name LIKE '__sysview_%'";
            Assert.Equal(2L, Convert.ToInt64(cmd.ExecuteScalar()));
        }
        Assert.Single(connections);
        Assert.All(shown, x => Assert.Equal(shown[0], x));
        // an instance of its own (no pool) answers the same
        await using var alone = (DuckDbSandbox)await new DuckDbSandboxFactory(new EtlAgent.Core.Sandbox.SandboxSetup(analysis)).CreateAsync();
        var own = await alone.ExecuteSqlAsync(Script);
        Assert.Equal(shown[0], string.Join("\n", own.ResultSets.Skip(1).Select(rs => Harness.Render(rs))));
    }

    /// <summary>
    /// The runtime macros (division by zero, conversions SQL Server accepts) are made once per pooled
    /// instance, as temporary macros, not again in every case's database: every case of the instance
    /// calls them, and a case's database holds none.
    /// </summary>
    [Fact]
    public async Task Runtime_macros_are_made_once_per_pooled_instance_not_per_case()
    {
        var analysis = Harness.Analyze(Harness.Fixture("warehouse"));
        using var pool = new SandboxPool(EtlAgent.Core.Ports.EnvironmentVariables.None);
        var pooled = new DuckDbSandboxFactory(new EtlAgent.Core.Sandbox.SandboxSetup(analysis, Serves: "Dim.LoadCustomer"), null, pool);
        var connections = new HashSet<object>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < 3; i++)
        {
            await using var s = (DuckDbSandbox)await pooled.CreateAsync();
            connections.Add(s.ConnectionForTests);
            var r = await s.ExecuteSqlAsync("SELECT CAST('06/01/2016' AS date) AS d, 7 / NULLIF(2, 0) AS q, TRY_CAST('x' AS int) AS t;");
            Assert.Null(r.Error);
            Assert.Equal(new DateTime(2016, 6, 1), r.ResultSets[0].Rows[0]["d"]);
            using var cmd = ((DuckDB.NET.Data.DuckDBConnection)s.ConnectionForTests).CreateCommand();
            cmd.CommandText = "SELECT database_name, count(*) FROM duckdb_functions() WHERE function_name LIKE 'tsql\\_%' ESCAPE '\\' AND function_type = 'macro' GROUP BY ALL ORDER BY 1";
            using var rows = cmd.ExecuteReader();
            Assert.True(rows.Read());
            Assert.Equal("temp", rows.GetString(0));
            Assert.Equal((long)EtlAgent.Core.Translation.Macros.All.Count, Convert.ToInt64(rows.GetValue(1)));
            Assert.False(rows.Read()); // none in the case's own database
        }
        Assert.Single(connections);
    }

    /// <summary>
    /// DuckDB 1.5.6 can crash in its MERGE … RETURNING, more readily in a reused instance: a
    /// transformation that reaches a MERGE given to DuckDB's MERGE (itself or through a procedure it
    /// calls), ad-hoc SQL and an unknown name get an instance of their own. MERGEs from a single
    /// source run as separate statements and may reuse.
    /// </summary>
    [Theory]
    [InlineData("warehouse", "Dim.LoadSupplier", true)]     // MERGE … OUTPUT, run as separate statements
    [InlineData("warehouse", "Etl.RunNightlyLoad", true)]   // reaches it through EXEC
    [InlineData("warehouse", "Dim.LoadCustomer", true)]
    [InlineData("warehouse", "No.SuchProcedure", false)]
    [InlineData("warehouse", null, false)]
    [InlineData("join-merge", "Etl.MergeFromJoin", false)]   // a join as source: DuckDB's MERGE
    [InlineData("join-merge", "Etl.CallsMergeFromJoin", false)]
    [InlineData("join-merge", "Etl.MergeFromTable", true)]
    public async Task Instances_are_reused_only_for_runs_that_cannot_reach_a_DuckDB_MERGE(string workspace, string? serves, bool reused)
    {
        using var pool = new SandboxPool(EtlAgent.Core.Ports.EnvironmentVariables.None);
        string folder = workspace == "join-merge" ? JoinMergeWorkspace() : Harness.Fixture(workspace);
        try
        {
            var factory = new DuckDbSandboxFactory(new EtlAgent.Core.Sandbox.SandboxSetup(Harness.Analyze(folder), Serves: serves), null, pool);
            var connections = new List<object>();
            for (int i = 0; i < 2; i++)
            {
                await using var s = (DuckDbSandbox)await factory.CreateAsync();
                connections.Add(s.ConnectionForTests);
            }
            Assert.Equal(reused, ReferenceEquals(connections[0], connections[1]));
        }
        finally
        {
            if (workspace == "join-merge") Directory.Delete(folder, recursive: true);
        }
    }

    private static string JoinMergeWorkspace()
    {
        var folder = Path.Combine(Path.GetTempPath(), "etl-join-merge-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "objects.sql"), """
            CREATE TABLE Etl.Target ([Key] int NOT NULL PRIMARY KEY, [Value] nvarchar(20) NULL);
            GO
            CREATE TABLE Etl.Source ([Key] int NOT NULL, [Value] nvarchar(20) NULL);
            GO
            CREATE PROCEDURE Etl.MergeFromJoin AS
            MERGE Etl.Target AS t
            USING Etl.Source AS a JOIN Etl.Source AS b ON b.[Key] = a.[Key] ON a.[Key] = t.[Key]
            WHEN MATCHED THEN UPDATE SET [Value] = b.[Value];
            GO
            CREATE PROCEDURE Etl.CallsMergeFromJoin AS
            EXEC Etl.MergeFromJoin;
            GO
            CREATE PROCEDURE Etl.MergeFromTable AS
            MERGE Etl.Target AS t USING Etl.Source AS s ON s.[Key] = t.[Key]
            WHEN MATCHED THEN UPDATE SET [Value] = s.[Value];
            GO
            """);
        return folder;
    }
}
