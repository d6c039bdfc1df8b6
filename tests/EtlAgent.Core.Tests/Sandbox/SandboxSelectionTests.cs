using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.SqlServer;
using EtlAgent.Core.Workspace;
using static EtlAgent.Core.Tests.Sandbox.SandboxTestWorkspace;

namespace EtlAgent.Core.Tests.Sandbox;

public class SandboxSelectionTests
{
    [Theory]
    [InlineData("Server=.;Database=Warehouse_sandbox;Integrated Security=true", true)]
    [InlineData("Server=.;Initial Catalog=Warehouse_Test;User ID=sa;Password=x", true)]
    [InlineData("Server=.;Database=wh_tests;Integrated Security=true", true)]
    [InlineData("Server=.;Database=sandbox_wh;Integrated Security=true", true)]
    [InlineData("Server=.;Database=tempdb;Integrated Security=true", true)]
    [InlineData("Server=prod;Database=Warehouse;Integrated Security=true", false)]
    [InlineData("Server=prod;Database=WarehouseTest;Integrated Security=true", false)]     // must be a separate _test suffix
    [InlineData("Server=prod;Database=_test;Integrated Security=true", false)]
    [InlineData("Server=prod;Database=master;Integrated Security=true", false)]
    [InlineData("Server=prod;Integrated Security=true", false)]                            // no database named: never the login default
    [InlineData("Server=.;AttachDBFilename=c:\\x_test.mdf;Database=x_test", false)]
    [InlineData("this is not a connection string", false)]
    public void The_guard_accepts_only_databases_marked_as_sandboxes(string connectionString, bool allowed) =>
        Assert.Equal(allowed, ProductionGuard.Check(connectionString, Array.Empty<string>()).Allowed);

    [Fact]
    public void AllowDatabase_marks_a_database_explicitly_but_never_a_system_one()
    {
        var cs = "Server=ci;Database=Warehouse_CI;Integrated Security=true";
        var refused = ProductionGuard.Check(cs, Array.Empty<string>());
        Assert.False(refused.Allowed);
        Assert.Contains("refusing to run tests in database 'Warehouse_CI'", refused.Reason);
        Assert.Contains("\"allowDatabase\": \"Warehouse_CI\"", refused.Reason);
        Assert.True(ProductionGuard.Check(cs, new[] { "warehouse_ci" }).Allowed);
        Assert.False(ProductionGuard.Check("Server=.;Database=msdb", new[] { "msdb" }).Allowed);
    }

    [Fact]
    public void Without_a_connection_string_the_engine_uses_the_embedded_DuckDB_sandbox()
    {
        // The composition root supplies the DuckDB sandbox; a provider built without one has none.
        var engine = EtlAgent.Core.Agent.Engine.Create(Files(), WorkspaceSettings.Default,
            new EtlAgent.Core.Agent.EngineHost(new SystemClock(), EnvironmentVariables.None));
        Assert.True(engine.Sandboxes.HasEmbedded);
        Assert.Equal("embedded sandbox", engine.Sandboxes.Describe());
        Assert.IsType<EtlAgent.Core.Sandbox.DuckDb.DuckDbSandboxFactory>(engine.Sandboxes.Create(new SandboxSetup(SandboxTestWorkspace.Analysis)));
        Assert.False(new SandboxFactoryProvider(SandboxSettings.Default, Files(), _ => null).HasEmbedded);
    }

    [Fact]
    public void The_provider_prefers_sql_server_when_configured_and_guards_it()
    {
        IFileSource files = Files();
        var setup = new SandboxSetup(SandboxTestWorkspace.Analysis);
        ISandboxFactory Embedded(SandboxSetup s, IFileSource f) => new FakeSandboxFactory(s, (db, r) => null);

        var embedded = new SandboxFactoryProvider(SandboxSettings.Default, files, _ => null, Embedded);
        Assert.Equal("embedded sandbox", embedded.Describe());
        Assert.IsType<FakeSandboxFactory>(embedded.Create(setup));

        var env = new Dictionary<string, string?> { ["ETLAGENT_SQLSERVER"] = "Server=ci;Database=wh_test;Integrated Security=true" };
        var sql = new SandboxFactoryProvider(SandboxSettings.Default, files, n => env.GetValueOrDefault(n), Embedded);
        Assert.Contains("the ETLAGENT_SQLSERVER environment variable", sql.Describe());
        var factory = Assert.IsType<SqlServerSandboxFactory>(sql.Create(setup)); // nothing is opened until a case runs
        Assert.Equal("wh_test", factory.Database);

        var forcedEmbedded = new SandboxFactoryProvider(new SandboxSettings { Engine = "embedded" }, files, n => env.GetValueOrDefault(n), Embedded);
        Assert.IsType<FakeSandboxFactory>(forcedEmbedded.Create(setup));

        env["ETLAGENT_SQLSERVER"] = "Server=prod;Database=Warehouse;Integrated Security=true";
        var prod = new SandboxFactoryProvider(SandboxSettings.Default, files, n => env.GetValueOrDefault(n), Embedded);
        var e = Assert.Throws<ConfigurationException>(() => prod.Create(setup));
        Assert.Contains("refusing to run tests in database 'Warehouse'", e.Message);

        var manifest = new SandboxSettings { ConnectionString = "Server=.;Database=Warehouse", AllowDatabases = new[] { "Warehouse" } };
        var allowed = new SandboxFactoryProvider(manifest, files, _ => null);
        Assert.Contains("etl-agent.json sandbox.connectionString", allowed.Describe());

        var noConnection = new SandboxFactoryProvider(new SandboxSettings { Engine = "sqlserver" }, files, _ => null, Embedded);
        Assert.Contains("no connection string is set", Assert.Throws<ConfigurationException>(() => noConnection.Describe()).Message);
    }

    [Fact]
    public void The_manifest_sandbox_section_is_read_and_checked()
    {
        var files = new MemoryFileSource().Add("etl-agent.json", """
            { "sandbox": { "engine": "SqlServer", "connectionString": "Server=.;Database=x_test", "allowDatabase": ["Warehouse_CI", "Staging_CI"] } }
            """);
        var s = WorkspaceSettings.Load(files).Sandbox;
        Assert.Equal("sqlserver", s.Engine);
        Assert.Equal("Server=.;Database=x_test", s.ConnectionString);
        Assert.Equal(new[] { "Warehouse_CI", "Staging_CI" }, s.AllowDatabases);
        Assert.Equal(new[] { "One" }, WorkspaceSettings.Load(new MemoryFileSource().Add("etl-agent.json", """{"sandbox": {"allowDatabase": "One"}}""")).Sandbox.AllowDatabases);
        Assert.Throws<ConfigurationException>(() => WorkspaceSettings.Load(new MemoryFileSource().Add("etl-agent.json", """{"sandbox": {"engine": "oracle"}}""")));
        Assert.Throws<ConfigurationException>(() => WorkspaceSettings.Load(new MemoryFileSource().Add("etl-agent.json", """{"sandbox": {"allowDatabase": 5}}""")));
        Assert.Same(SandboxSettings.Default, WorkspaceSettings.Load(new MemoryFileSource()).Sandbox);
    }

    [Fact]
    public void Scripts_split_into_batches_on_go_lines_like_sqlcmd()
    {
        var batches = SqlServerSandbox.Batches("SELECT 1;\nGO\n-- comment\nSELECT 2;\r\ngo 2\nSELECT 3\n").ToList();
        Assert.Equal(new[] { 0, 2, 2, 5 }, batches.Select(b => b.FirstLine));
        Assert.Equal("SELECT 3\n\n", batches[3].Text);
    }
}
