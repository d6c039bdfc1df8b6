using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Sandbox;

/// <summary>
/// The supplier test file of tests/fixtures/schema-drift against each schema change of its
/// changes/ folder: where the file is out of date, what the loader (so `etl-agent test`) says.
/// </summary>
public class SchemaDriftTests
{
    public const string TestFilePath = "tests/etl/Dim.LoadSupplier.etltest.yaml";

    /// <summary>The fixture's files with those of changes/<paramref name="change"/> in place of the originals.</summary>
    public static MemoryFileSource Files(string? change = null)
    {
        var root = TestPaths.Fixture("schema-drift");
        var files = new MemoryFileSource().AddAll(new PhysicalFileSource(root), f => !f.StartsWith("changes/", StringComparison.Ordinal));
        return change is null ? files : files.AddAll(new PhysicalFileSource(Path.Combine(root, "changes", change)));
    }

    public static WorkspaceAnalysis Analyze(IFileSource files, bool syntax = false) =>
        new WorkspaceAnalyzer(WorkspaceSettings.Load(files)) { RetainSyntax = syntax }.Analyze(files);

    private static (SchemaDriftReport Drift, TestFileLoadResult Load) Check(string? change)
    {
        var files = Files(change);
        var analysis = Analyze(files);
        var text = files.ReadAllText(TestFilePath);
        return (SchemaDrift.Detect(analysis.Catalog, TestFilePath, text), new TestFileLoader(analysis).Load(TestFilePath, text));
    }

    private static string Lines(SchemaDriftReport r) =>
        string.Join(" ", r.Changes.Select(c => $"{c.Kind}:{c.Table}.{c.ColumnName}@{c.Line}"));

    [Fact]
    public void The_file_matches_the_schema_it_was_written_for()
    {
        var (drift, load) = Check(null);
        Assert.True(drift.IsEmpty, Lines(drift));
        Assert.True(load.Success, string.Join("\n", load.Errors));
    }

    [Fact]
    public void A_dropped_column_is_reported_at_every_row_and_columns_list_that_names_it()
    {
        var (drift, _) = Check("dropped");
        Assert.Equal(
            "Dropped:Staging.Supplier.Fax Number@9 Dropped:Dim.Supplier.Fax Number@12 Dropped:Dim.Supplier.Fax Number@17 " +
            "Dropped:Staging.Supplier.Fax Number@19 Dropped:Dim.Supplier.Fax Number@22 Dropped:Dim.Supplier.Fax Number@24",
            Lines(drift));
        Assert.Equal("out of date with the schema: Staging.Supplier has no column [Fax Number] any more (dropped); the update removes it from the rows",
            drift.Changes[0].Message);
        Assert.Contains("from the compared columns", drift.Changes.Single(c => c.Line == 22).Message);
    }

    [Fact]
    public void A_renamed_column_is_recognised_by_the_one_compatible_column_that_appeared()
    {
        var (drift, _) = Check("renamed");
        Assert.All(drift.Changes, c => Assert.Equal((SchemaChangeKind.Renamed, "Postal Code", "Postcode"), (c.Kind, c.ColumnName, c.NewColumnName)));
        Assert.Equal(new[] { 9, 12, 17, 19, 22, 24 }, drift.Changes.Select(c => c.Line));
        Assert.Equal("out of date with the schema: Staging.Supplier has no column [Postal Code], and [Postcode] (nvarchar(10)), which this file never names, takes its values: renamed, it seems; the update writes [Postcode]",
            drift.Changes[0].Message);
        Assert.Equal("Postcode", drift.Renames[Model.QualifiedName.Parse("Dim.Supplier")]["Postal Code"]);
    }

    [Fact]
    public void An_added_not_null_column_is_reported_at_each_given_row_that_lacks_it()
    {
        var (drift, _) = Check("added");
        Assert.Equal("Added:Staging.Supplier.Supplier Category@9 Added:Dim.Supplier.Supplier Category@17 Added:Staging.Supplier.Supplier Category@19", Lines(drift));
        Assert.Equal("out of date with the schema: Staging.Supplier.[Supplier Category] (nvarchar(50) NOT NULL, no default) is not given, so the row cannot be inserted: a new column, it seems; the update gives it a generated value",
            drift.Changes[0].Message);
    }

    [Fact]
    public void A_retyped_column_is_reported_at_the_value_that_no_longer_converts()
    {
        var (drift, _) = Check("retyped");
        var change = Assert.Single(drift.Changes);
        Assert.Equal((SchemaChangeKind.Retyped, "Payment Days", 17), (change.Kind, change.ColumnName, change.Line));
        Assert.StartsWith("out of date with the schema: Dim.Supplier.[Payment Days] is now tinyint: 365 is out of range for tinyint", change.Message);
        Assert.EndsWith("the update gives it a generated value", change.Message);
    }

    [Fact]
    public void A_shortened_column_is_reported_at_each_value_that_no_longer_fits()
    {
        var (drift, _) = Check("shortened");
        Assert.Equal("Shortened:Staging.Supplier.Supplier Name@9 Shortened:Dim.Supplier.Supplier Name@12", Lines(drift));
        Assert.Equal("out of date with the schema: Staging.Supplier.[Supplier Name] is now nvarchar(20): 'Contoso Pharmaceuticals Ltd' (27 characters) no longer fits; the update cuts it to 20 characters",
            drift.Changes[0].Message);
        Assert.EndsWith("the update re-records the expectation", drift.Changes[1].Message);
    }

    [Theory]
    [InlineData("added")]
    [InlineData("dropped")]
    [InlineData("renamed")]
    [InlineData("retyped")]
    [InlineData("shortened")]
    public void The_loader_reports_drift_with_the_same_message_at_the_same_place(string change)
    {
        var (drift, load) = Check(change);
        Assert.False(load.Success);
        Assert.NotEmpty(load.Errors);
        Assert.All(load.Errors, e => Assert.StartsWith(SchemaChange.Prefix, e.Message));
        Assert.All(load.Errors, e => Assert.NotNull(e.Drift));
        Assert.Equal(drift.Changes.Select(c => c.ToString()).Order(), load.Errors.Select(e => e.ToString().Replace($":{e.Column}: ", $":{e.Column}: ")).Order());
    }
}
