using System.Globalization;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Tests.Generation;

/// <summary>
/// Loads that copy a feed by position into a typed work table inside a TRY block whose CATCH logs and
/// swallows the error (tests/fixtures/generation-typed-feed): the feed's columns are typed by the work
/// table's, every staged version of text the code converts still converts, and the cases run past the
/// copy into the versioning UPDATE and INSERT, so their mutants are reached.
/// </summary>
public class GenerationTypedFeedTests
{
    private static readonly QualifiedName Project = new("Dw", "Project");

    [Fact]
    public async Task A_feed_defined_nowhere_copied_by_position_into_a_typed_work_table_runs_past_the_copy()
    {
        var g = await FixtureGeneration.GenerateAsync(FixtureGeneration.Load("generation-typed-feed"), "Dw.LoadProject",
            new GenerationOptions { Cap = TimeSpan.Zero, MutationBudget = TimeSpan.FromMinutes(10) });
        Assert.True(g.Written, g.Skipped ?? string.Join("; ", g.Result?.Notes ?? Array.Empty<string>()));
        var result = g.Result!;

        // the stand-in's columns take the work table's types, by position and through LEFT / ISNULL
        Assert.Contains("feed_pages int (inserted into #project.Pages (int) at procs/LoadProject.sql:21)", result.Text);
        Assert.Contains("feed_startdate date (", result.Text);
        Assert.Contains("feed_revision bigint (", result.Text);
        Assert.Contains("feed_title nvarchar(4000) (no typed use)", result.Text); // LEFT cuts it: any length fits

        // some case runs the TRY block to the end, and no mutant of it is left unreached
        Assert.Contains(result.File!.Cases, c => c.Expect.Tables.Any(t => t.Table?.ToString() == "Log.Error" && t.Rows is { Count: 0 }));
        var uncovered = result.NotCovered.Where(m => m.Line >= 10 && m.Line <= 37).Select(m => $"{m.Line}: {m.Operator} {m.Mutated}").ToList();
        Assert.True(uncovered.Count == 0, "not covered: " + string.Join("; ", uncovered));
        // a new project opens a version; a changed one closes the current version (the UPDATE through the alias ran)
        Assert.Contains(result.File.Cases, c => Expected(c).Count > Given(c).Count);
        Assert.Contains(result.File.Cases, c => Expected(c).Any(r => Equals(r["IsCurrent"], false)) && Given(c).All(r => !Equals(r["IsCurrent"], false)));
    }

    [Theory]
    [InlineData("Dw.LoadSupplier")]
    [InlineData("Dw.ReloadSupplier")]
    public void Every_staged_version_of_text_the_code_converts_still_converts(string transformation)
    {
        // Stage.Supplier is all text; [src_rating] lands in an int, [src_since] in a date (through a work table, or
        // through ISNULL and LTRIM): an older staged version, a changed one, a boundary hold numbers and dates; only
        // "not a number" / "not a date" do not
        var files = new MemoryFileSource().AddAll(new PhysicalFileSource(TestPaths.Fixture("generation-typed-feed")));
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Load(files)) { RetainSyntax = true }.Analyze(files);
        var load = analysis.FindTransformation(transformation)!;
        var facts = CodeFacts.Collect(analysis, load);
        var candidates = new CandidateBuilder(analysis.Catalog, facts, load.Transformation.Parameters, new DateTime(2016, 6, 2, 8, 0, 0)).Build();

        var staged = new QualifiedName("Stage", "Supplier");
        Assert.Contains(candidates, s => s.Description.Contains("older staged version", StringComparison.Ordinal));
        var broken = new List<string>();
        foreach (var s in candidates)
        foreach (var row in s.RowsOf(staged))
        {
            if (row.GetValueOrDefault("src_rating") is string rating && !s.Description.Contains("not a number", StringComparison.Ordinal)
                && !decimal.TryParse(rating, NumberStyles.Number, CultureInfo.InvariantCulture, out _))
                broken.Add($"{s.Description}: src_rating '{rating}'");
            if (row.GetValueOrDefault("src_since") is string since && !s.Description.Contains("not a date", StringComparison.Ordinal)
                && !DateTime.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                broken.Add($"{s.Description}: src_since '{since}'");
        }
        Assert.True(broken.Count == 0, string.Join("; ", broken));
    }

    private static IReadOnlyList<TestRow> Expected(TestCase c) =>
        c.Expect.Tables.FirstOrDefault(t => t.Table == Project)?.Rows ?? Array.Empty<TestRow>();

    private static IReadOnlyList<TestRow> Given(TestCase c) =>
        c.Given.FirstOrDefault(t => t.Table == Project)?.Rows ?? Array.Empty<TestRow>();
}
