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
        using var c = DuckDbSandboxFactory.OpenLocked("SELECT 1;");
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        Assert.ThrowsAny<DuckDBException>(() => cmd.ExecuteNonQuery());
    }

    [Fact]
    public async Task File_functions_are_not_even_translated()
    {
        await using var s = (DuckDbSandbox)await Harness.Conformance.CreateAsync();
        await Assert.ThrowsAsync<EtlAgent.Core.Sandbox.UnsupportedConstructException>(() => s.ExecuteSqlAsync("SELECT * FROM OPENROWSET(BULK '/etc/hostname', SINGLE_CLOB) AS f;"));
    }
}
