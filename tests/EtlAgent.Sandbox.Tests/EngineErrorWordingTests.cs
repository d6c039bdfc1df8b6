using EtlAgent.Core.Sandbox.DuckDb;

namespace EtlAgent.Sandbox.Tests;

/// <summary>
/// An engine error with no SQL Server counterpart reaches the user in the sandbox's words: what
/// kind of gap it is, never the engine's own text (ErrorMapper.Describe, ErrorMapper.Map).
/// </summary>
public sealed class EngineErrorWordingTests
{
    private static Exception EngineError(params string[] statements)
    {
        using var db = new DuckDB.NET.Data.DuckDBConnection("DataSource=:memory:");
        db.Open();
        try
        {
            foreach (var s in statements)
            {
                using var cmd = db.CreateCommand();
                cmd.CommandText = s;
                cmd.ExecuteNonQuery();
            }
        }
        catch (DuckDB.NET.Data.DuckDBException e) { return e; }
        throw new InvalidOperationException("the statements ran");
    }

    [Fact]
    public void A_foreign_key_to_columns_that_are_not_a_key_is_named_with_its_table_and_columns()
    {
        var e = EngineError("CREATE TABLE \"dbo.Region\" (\"RegionCode\" VARCHAR)",
            "CREATE TABLE \"dbo.Store\" (\"Id\" INT, \"RegionCode\" VARCHAR, FOREIGN KEY (\"RegionCode\") REFERENCES \"dbo.Region\" (\"RegionCode\"))");
        var text = ErrorMapper.Describe(e);
        Assert.StartsWith("a FOREIGN KEY references dbo.Region", text);
        Assert.EndsWith("on columns that are not its declared primary key or a unique key (declare the key on the referenced table)", text);
    }

    [Fact]
    public void An_unmapped_error_is_marked_and_worded_without_the_engine_s_text()
    {
        var e = EngineError("SELECT no_such_function(1)");
        var mapped = ErrorMapper.Map(e);
        Assert.True(ErrorMapper.IsUnmapped(mapped));
        Assert.DoesNotContain("Error:", mapped.Message);
        Assert.DoesNotContain("DuckDB", mapped.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("no_such_function", mapped.Message);
    }

    [Fact]
    public void A_mapped_error_keeps_its_SQL_Server_number()
    {
        var e = EngineError("CREATE TABLE t (k INT PRIMARY KEY)", "INSERT INTO t VALUES (1), (1)");
        var mapped = ErrorMapper.Map(e);
        Assert.False(ErrorMapper.IsUnmapped(mapped));
        Assert.Equal(2627, mapped.Number);
    }
}
