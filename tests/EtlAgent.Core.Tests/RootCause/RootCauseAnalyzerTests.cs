using System.Text.Json;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Analysis;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.RootCause;

/// <summary>
/// Root-cause analysis on faults seeded into a copy of the fixture warehouse
/// (tests/fixtures/root-cause/seeded-faults.json): the statement, a column and the bug class it
/// names, with mutation-based localisation and with a last green version (differential).
/// </summary>
public class RootCauseAnalyzerTests
{
    public sealed record SeededFault(string Name, string Transformation, string File, string Original, string Replacement, int Line, string Column, string Class);

    public static IEnumerable<object[]> Faults()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.Fixture("root-cause"), "seeded-faults.json")));
        foreach (var f in doc.RootElement.GetProperty("faults").EnumerateArray())
            yield return new object[] { f.GetProperty("name").GetString()! };
    }

    private static SeededFault Fault(string name)
    {
        var json = File.ReadAllText(Path.Combine(TestPaths.Fixture("root-cause"), "seeded-faults.json"));
        var all = JsonDocument.Parse(json).RootElement.GetProperty("faults").Deserialize<List<SeededFault>>(new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;
        return all.Single(f => f.Name == name);
    }

    /// <summary>The warehouse with the fault applied, and the original text of the faulted file.</summary>
    private static (Engine Engine, string OriginalText) Seed(SeededFault fault)
    {
        var files = new MemoryFileSource().AddAll(new PhysicalFileSource(TestPaths.Fixture("warehouse")));
        var original = files.ReadAllText(fault.File);
        Assert.Equal(1, CountOf(original, fault.Original));
        files.Add(fault.File, original.Replace(fault.Original, fault.Replacement, StringComparison.Ordinal));
        return (Engine.Create(files, WorkspaceSettings.Load(files), new EngineHost(new SystemClock(), EnvironmentVariables.None)), original);
    }

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task Mutation_based_localisation_names_the_seeded_statement_column_and_class(string name)
    {
        var fault = Fault(name);
        var (engine, _) = Seed(fault);
        // a budget the search does not reach on a loaded machine: the test checks the ranking, not the speed
        var (run, report) = await engine.AnalyzeFailuresAsync(fault.Transformation, null, null, new RootCauseOptions { MutationBudget = TimeSpan.FromMinutes(3) });
        Assert.NotNull(run.Run);
        Assert.NotEmpty(report.Failures);
        foreach (var f in report.Failures)
        {
            var root = Assert.IsType<SuspectStatement>(f.RootCause);
            Assert.Equal(fault.File, root.File);
            Assert.Equal(fault.Line, root.Line);
            Assert.Contains(fault.Column, root.Columns, StringComparer.OrdinalIgnoreCase);
            Assert.Equal(fault.Class, root.Class);
            Assert.InRange(f.MinimalInput.Sum(t => t.Value.Count), 1, 5);
            Assert.False(string.IsNullOrWhiteSpace(f.Explanation));
        }
    }

    [Fact]
    public async Task With_a_last_green_version_the_changed_statement_is_found_by_reverting_it_alone()
    {
        var fault = Fault("the staged-row window includes its lower bound");
        var (engine, original) = Seed(fault);
        var history = new MemoryFileHistory().Add("green", fault.File, original).Add("green", WorkspaceSettings.ManifestFile, "{}");
        var (_, report) = await engine.AnalyzeFailuresAsync(fault.Transformation, history, "green");
        var f = Assert.Single(report.Failures);
        Assert.Equal("differential", f.Evidence);
        var root = f.RootCause!;
        Assert.Equal(fault.Line, root.Line);
        Assert.Equal(fault.Class, root.Class);
        Assert.Contains(fault.Column, root.Columns, StringComparer.OrdinalIgnoreCase);
        Assert.Equal(">=", root.Edit?.Original);
        Assert.Equal(">", root.Edit?.Replacement);
        Assert.True(root.Confidence >= 0.9, $"confidence {root.Confidence}");
        Assert.Equal(FailureSeverity.SilentDataCorruption, f.Severity);
        // the one staged row at the go-live cut-off is the whole minimal input
        var rows = Assert.Single(f.MinimalInput).Value;
        Assert.Equal("C-01", Assert.Single(rows)["Customer Code"]);
    }

    [Fact]
    public async Task A_workspace_whose_tests_pass_has_nothing_to_analyse()
    {
        var files = new MemoryFileSource().AddAll(new PhysicalFileSource(TestPaths.Fixture("warehouse")));
        var engine = Engine.Create(files, WorkspaceSettings.Load(files), new EngineHost(new SystemClock(), EnvironmentVariables.None));
        var (run, report) = await engine.AnalyzeFailuresAsync("Dim.LoadCustomer", null, null);
        Assert.True(run.Run!.Success);
        Assert.Empty(report.Failures);
    }
}
