using System.Text.Json;
using EtlAgent.Cli;

namespace EtlAgent.Cli.Tests;

/// <summary>The CLI in-process: arguments in, exit code and output out.</summary>
public class CliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => Cli.Run(args);

    private static string Warehouse => TestPaths.Fixture("warehouse");

    [Fact]
    public void Discover_json_has_the_documented_shape()
    {
        var (code, output, _) = Run("discover", Warehouse, "--format", "json");
        Assert.Equal(0, code);
        var root = JsonDocument.Parse(output).RootElement;
        var t = root.GetProperty("transformations").EnumerateArray().First(x => x.GetProperty("name").GetString() == "Dim.LoadCustomer");
        foreach (var p in new[] { "name", "kind", "file", "range", "reads", "writes", "calls", "parameters", "columns" })
            Assert.True(t.TryGetProperty(p, out _), $"transformation lacks '{p}'");
        var column = t.GetProperty("columns")[0];
        foreach (var p in new[] { "target", "sources", "mapping" }) Assert.True(column.TryGetProperty(p, out _));
        var table = root.GetProperty("tables").EnumerateArray().First(x => x.GetProperty("name").GetString() == "Integration.Load Watermark");
        foreach (var p in new[] { "name", "file", "columns", "primaryKey", "foreignKeys" }) Assert.True(table.TryGetProperty(p, out _));
        foreach (var p in new[] { "name", "type", "nullable", "identity", "default" })
            Assert.True(table.GetProperty("columns")[0].TryGetProperty(p, out _));
        Assert.True(root.GetProperty("pipelines").GetArrayLength() > 0);
        Assert.Equal(0, root.GetProperty("diagnostics").GetArrayLength());
        foreach (var name in root.GetProperty("tables").EnumerateArray().Select(x => x.GetProperty("name").GetString()!))
            Assert.DoesNotContain("[", name);
    }

    [Fact]
    public void Check_exit_codes_follow_fail_on()
    {
        var malformed = TestPaths.Fixture("malformed");
        Assert.Equal(1, Run("check", malformed).Code);                       // a syntax error is an error
        Assert.Equal(0, Run("check", malformed, "--fail-on", "never").Code);
        var (code, output, _) = Run("check", malformed, "--fail-on", "never", "--format", "text");
        Assert.Equal(0, code);
        Assert.Contains("dbo.BrokenLoad.sql:7:", output);
        Assert.Matches(@"\d+ findings \(\d+ errors, \d+ warnings, \d+ information\) in 3 files", output);
    }

    [Fact]
    public void Usage_errors_exit_2_with_a_message()
    {
        var (code, _, err) = Run("check", "/no/such/folder");
        Assert.Equal(2, code);
        Assert.Contains("does not exist", err);
        Assert.Equal(2, Run("check", Warehouse, "--format", "xml").Code);
        Assert.Equal(2, Run("frobnicate").Code);
        Assert.Equal(2, Run("check", Warehouse, "--bogus").Code);
        Assert.Equal(2, Run().Code);
        var help = Run("--help");
        Assert.Equal(0, help.Code);
        Assert.Contains("Exit codes:", help.Out);
    }

    [Fact]
    public void Sarif_is_2_1_0_with_rules_results_locations_and_fixes()
    {
        var (code, output, _) = Run("check", Warehouse, "--format", "sarif", "--fail-on", "never");
        Assert.Equal(0, code);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.Equal("2.1.0", root.GetProperty("version").GetString());
        var run = root.GetProperty("runs")[0];
        var rules = run.GetProperty("tool").GetProperty("driver").GetProperty("rules");
        Assert.True(rules.GetArrayLength() >= 2);
        foreach (var r in rules.EnumerateArray())
        {
            Assert.Matches("^ETL[0-9]{4}$", r.GetProperty("id").GetString());
            Assert.False(string.IsNullOrEmpty(r.GetProperty("help").GetProperty("text").GetString()));
            Assert.False(string.IsNullOrEmpty(r.GetProperty("shortDescription").GetProperty("text").GetString()));
        }
        var results = run.GetProperty("results");
        Assert.True(results.GetArrayLength() > 0, "the warehouse has seeded defects");
        foreach (var r in results.EnumerateArray())
        {
            var loc = r.GetProperty("locations")[0].GetProperty("physicalLocation");
            Assert.Equal("%SRCROOT%", loc.GetProperty("artifactLocation").GetProperty("uriBaseId").GetString());
            Assert.DoesNotContain(" ", loc.GetProperty("artifactLocation").GetProperty("uri").GetString());
            Assert.True(loc.GetProperty("region").GetProperty("startLine").GetInt32() >= 1);
            var ruleIndex = r.GetProperty("ruleIndex").GetInt32();
            Assert.Equal(r.GetProperty("ruleId").GetString(), rules[ruleIndex].GetProperty("id").GetString());
        }
        var withFix = results.EnumerateArray().First(r => r.TryGetProperty("fixes", out _));
        var replacement = withFix.GetProperty("fixes")[0].GetProperty("artifactChanges")[0].GetProperty("replacements")[0];
        Assert.True(replacement.TryGetProperty("deletedRegion", out _));
        Assert.True(replacement.TryGetProperty("insertedContent", out _));
    }

    [Fact]
    public void Output_option_writes_a_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"etl-agent-{Guid.NewGuid():N}", "report.sarif");
        var (code, output, _) = Run("check", Warehouse, "--format", "sarif", "--fail-on", "never", "--output", path);
        Assert.Equal(0, code);
        Assert.Equal("", output);
        Assert.Equal("2.1.0", JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("version").GetString());
        Directory.Delete(Path.GetDirectoryName(path)!, true);
    }
}
