using EtlAgent.Core.Model;

namespace EtlAgent.Core.Tests.Generation;

/// <summary>
/// A dimension an idempotent deployment script creates under `IF NOT EXISTS (...) BEGIN CREATE TABLE
/// ... END` (tests/fixtures/guarded-ddl, read into memory) is the real table in the sandbox: its
/// unique key, NOT NULLs and the default a guarded ALTER TABLE adds all show in the generated cases,
/// and nothing is a stand-in. (Before guarded DDL was catalogued, every candidate stopped with error
/// 208: the script's table was neither catalogued nor stood in for.)
/// </summary>
public class GuardedDdlGenerationTests
{
    [Fact]
    public async Task A_load_into_a_guarded_table_is_tested_against_its_real_keys_types_and_defaults()
    {
        var files = FixtureGeneration.Load("guarded-ddl");
        var g = await FixtureGeneration.GenerateAsync(files, "Etl.LoadCustomer");

        Assert.True(g.Written, g.Skipped);
        var file = g.Result!.File!;
        var dim = new QualifiedName("Dim", "Customer");
        // the default from the guarded ALTER TABLE ... ADD fills the column the load does not name
        Assert.Contains(file.Cases, c => c.Expect.Error is null && c.Expect.Tables.Any(t => t.Table == dim && t.Rows.Count > 0
            && t.Rows.All(r => r.Cells.Any(cell => cell.Key == "Segment" && Equals(cell.Value?.ToString(), "R")))));
        // the unique key on CustomerCode: a code staged twice violates it, as on SQL Server
        Assert.Contains(file.Cases, c => c.Expect.Error is { Number: 2627 }
            && c.Expect.Messages is { } m && m.Messages.Any(x => x.Contains("UQ_Customer_Code", StringComparison.Ordinal)));
        Assert.DoesNotContain("# Stand-in tables", g.Result.Text!);
        Assert.DoesNotContain(g.Result.Notes, n => n.StartsWith("stand-in", StringComparison.Ordinal));
    }
}
