using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Healing;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.DuckDb;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Sandbox.Tests;

/// <summary>
/// "Update test to the new schema" on the supplier test file of tests/fixtures/schema-drift, for
/// each schema change of its changes/ folder: the updated file loads without drift, its cases pass
/// in the embedded sandbox on the changed procedure, and the rows changed the way the change asks.
/// </summary>
public class SchemaDriftRewriteTests
{
    private const string TestFilePath = "tests/etl/Dim.LoadSupplier.etltest.yaml";

    private static MemoryFileSource Files(string? change)
    {
        var root = Harness.Fixture("schema-drift");
        var files = new MemoryFileSource().AddAll(new PhysicalFileSource(root), f => !f.StartsWith("changes/", StringComparison.Ordinal));
        return change is null ? files : files.AddAll(new PhysicalFileSource(Path.Combine(root, "changes", change)));
    }

    private static async Task<(SchemaDriftUpdate Update, TestRunResult? Run, string Original)> Update(string? change)
    {
        var files = Files(change);
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Load(files)) { RetainSyntax = true, MaxDegreeOfParallelism = 1 }.Analyze(files);
        var original = files.ReadAllText(TestFilePath);
        var update = await new SchemaDriftRewriter(analysis, setup => new DuckDbSandboxFactory(setup)).RewriteAsync(TestFilePath, original);
        if (!update.Updated) return (update, null, original);
        var loaded = new TestFileLoader(analysis).Load(TestFilePath, update.Text!);
        Assert.True(loaded.Success, string.Join("\n", loaded.Errors) + "\n" + update.Text);
        var run = await new TestRunner(analysis, setup => new DuckDbSandboxFactory(setup)).RunAsync(new[] { loaded.File! });
        Assert.True(run.Success, string.Join("\n", run.Cases.SelectMany(c => c.Failures.Select(f => $"{c.Case.Name}: {f.Summary}"))) + "\n" + update.Text);
        return (update, run, original);
    }

    [Fact]
    public async Task A_file_that_matches_the_schema_is_left_alone()
    {
        var (update, _, _) = await Update(null);
        Assert.False(update.Updated);
        Assert.Empty(update.Changes);
    }

    [Theory]
    [InlineData("added")]
    [InlineData("dropped")]
    [InlineData("renamed")]
    [InlineData("retyped")]
    [InlineData("shortened")]
    public async Task The_updated_file_loads_and_passes_on_the_changed_procedure(string change)
    {
        var (update, run, original) = await Update(change);
        Assert.True(update.Updated, string.Join("\n", update.Notes));
        Assert.NotEmpty(update.Changes);
        Assert.Equal(2, run!.Passed);
        // the hand-written header stays, and so do the case names
        Assert.StartsWith("# Supplier load: new suppliers are inserted, known ones overwritten (type 1).\n# Written by hand", update.Text);
        Assert.Contains("a known supplier is overwritten", update.Text);
        Assert.Contains("Contoso", original);
    }

    [Theory]
    [InlineData("renamed")]
    [InlineData("dropped")]
    public async Task Invariants_follow_a_renamed_column_and_lose_a_dropped_one(string change)
    {
        var files = Files(change);
        files.Add(TestFilePath, files.ReadAllText(TestFilePath).TrimEnd() + "\ninvariants:\n"
            + "- {unique: Dim.Supplier, columns: [\"Supplier Code\", \"Postal Code\"]}\n"
            + "- {unique: Dim.Supplier, columns: [\"Supplier Code\", \"Fax Number\"]}\n"
            + "- {unique: Dim.Supplier, columns: [\"Supplier Code\"]}\n");
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Load(files)) { RetainSyntax = true, MaxDegreeOfParallelism = 1 }.Analyze(files);
        var update = await new SchemaDriftRewriter(analysis, setup => new DuckDbSandboxFactory(setup)).RewriteAsync(TestFilePath, files.ReadAllText(TestFilePath));

        Assert.True(update.Updated, string.Join("\n", update.Notes));
        var loaded = new TestFileLoader(analysis).Load(TestFilePath, update.Text!);
        Assert.True(loaded.Success, string.Join("\n", loaded.Errors) + "\n" + update.Text);
        var columns = loaded.File!.Invariants.Select(i => string.Join(", ", i.Columns)).ToList();
        if (change == "renamed")
            Assert.Equal(new[] { "Supplier Code, Postcode", "Supplier Code, Fax Number", "Supplier Code" }, columns);
        else
        {
            Assert.Equal(new[] { "Supplier Code, Postal Code", "Supplier Code" }, columns);
            Assert.Contains(update.Notes, n => n.Contains("invariant on Dim.Supplier", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_dropped_column_leaves_the_rows_and_the_columns_list()
    {
        var (update, _, _) = await Update("dropped");
        Assert.DoesNotContain("Fax Number", update.Text);
        Assert.Contains("columns: [\"Supplier Code\", \"Postal Code\", \"Payment Days\"]", update.Text);
    }

    [Fact]
    public async Task A_renamed_column_keeps_its_values_under_the_new_name()
    {
        var (update, _, _) = await Update("renamed");
        Assert.DoesNotContain("Postal Code", update.Text);
        Assert.Contains("\"Postcode\": \"98101\"", update.Text);
        Assert.Contains("\"Postcode\": \"90211\"", update.Text);
    }

    [Fact]
    public async Task A_new_not_null_column_gets_generated_values_and_the_whole_row_expectation_records_it()
    {
        var (update, _, _) = await Update("added");
        var text = update.Text!;
        // three given rows, plus the re-recorded expectation of the first case (it named every column)
        Assert.Equal(4, text.Split("\"Supplier Category\":").Length - 1);
        // the second case compares only its listed columns: still those four
        Assert.Contains("columns: [\"Supplier Code\", \"Postal Code\", \"Payment Days\", \"Fax Number\"]", text);
    }

    [Fact]
    public async Task A_value_that_no_longer_fits_a_retyped_column_is_replaced_and_said_so()
    {
        var (update, _, _) = await Update("retyped");
        Assert.DoesNotContain("365", update.Text);
        Assert.Contains(update.Notes, n => n.Contains("'365' does not convert to tinyint; replaced by the generated value", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_string_longer_than_a_shortened_column_is_cut_and_the_expectation_re_recorded()
    {
        var (update, _, _) = await Update("shortened");
        Assert.DoesNotContain("Contoso Pharmaceuticals Ltd", update.Text);
        Assert.Equal(2, update.Text!.Split("\"Supplier Name\": \"Contoso Pharmaceutic\"").Length - 1);
        Assert.Contains(update.Notes, n => n.Contains("cut to 'Contoso Pharmaceutic' (nvarchar(20))", StringComparison.Ordinal));
    }
}
