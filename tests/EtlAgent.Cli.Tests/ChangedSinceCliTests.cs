using System.Diagnostics;
using System.Text.Json;
using EtlAgent.Cli;

namespace EtlAgent.Cli.Tests;

/// <summary>`test --changed-since` and `run --changed-since` on the warehouse in a git repository of its own.</summary>
public sealed class ChangedSinceCliTests : IDisposable
{
    private readonly string _repo = Directory.CreateTempSubdirectory("etl-agent-changed-cli-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_repo, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private void Git(params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = _repo, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-c", "user.email=agent@example.com", "-c", "user.name=agent", "-c", "commit.gpgsign=false" }.Concat(arguments)) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, error);
    }

    private void Warehouse()
    {
        var source = TestPaths.Fixture("warehouse");
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (relative.StartsWith(".etl-agent", StringComparison.Ordinal)) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(_repo, relative))!);
            File.Copy(file, Path.Combine(_repo, relative));
        }
        Git("init", "-q");
        Git("add", "-A");
        Git("commit", "-qm", "base");
        // a change to the supplier load: its own test runs, nothing else
        var load = Path.Combine(_repo, "Procedures", "Dim", "Dim.LoadSupplier.sql");
        File.WriteAllText(load, File.ReadAllText(load).Replace("SET NOCOUNT ON;", "SET NOCOUNT ON; SET ANSI_WARNINGS ON;"));
    }

    [Fact]
    public void Test_runs_only_the_selected_files_and_says_why_in_text_and_json()
    {
        Warehouse();
        var (code, output, err) = Cli.Run("test", _repo, "--changed-since", "HEAD");
        Assert.True(code == CliApp.ExitOk, output + err);
        Assert.Contains("Changed since HEAD: 1 file; 5 affected transformations, 1 test file selected", output);
        Assert.Contains("Dim.LoadSupplier changed (Procedures/Dim/Dim.LoadSupplier.sql)", output);
        Assert.Contains("PASS  Dim.LoadSupplier", output);
        Assert.DoesNotContain("Dim.LoadCustomer ›", output);

        var (json, text, _) = Cli.Run("test", _repo, "--changed-since", "HEAD", "--format", "json");
        Assert.Equal(CliApp.ExitOk, json);
        using var doc = JsonDocument.Parse(text);
        var selection = doc.RootElement.GetProperty("selection");
        var test = Assert.Single(selection.GetProperty("tests").EnumerateArray());
        Assert.Equal("tests/etl/Dim.LoadSupplier.etltest.yaml", test.GetProperty("path").GetString());
        Assert.Equal("uncommitted", test.GetProperty("reasons")[0].GetProperty("changed").GetString());
        Assert.All(doc.RootElement.GetProperty("cases").EnumerateArray(), c => Assert.Equal("Dim.LoadSupplier", c.GetProperty("transformation").GetString()));
    }

    [Fact]
    public void Run_tests_and_generates_only_what_the_change_reaches_and_a_bad_revision_is_exit_2()
    {
        Warehouse();
        var (code, output, err) = Cli.Run("run", _repo, "--changed-since", "HEAD", "--no-generate", "--fail-on", "never");
        Assert.True(code == CliApp.ExitOk, output + err);
        Assert.Contains("1 test file selected", output);
        Assert.Contains("PASS  Dim.LoadSupplier", output);
        Assert.DoesNotContain("Fact.LoadSale ›", output);

        var (bad, _, message) = Cli.Run("test", _repo, "--changed-since", "no-such-ref");
        Assert.Equal(CliApp.ExitUsage, bad);
        Assert.Contains("'no-such-ref' is not a revision", message);
    }
}
