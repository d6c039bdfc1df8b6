using System.Diagnostics;
using System.Text.Json;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Impact;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;
using Xunit.Abstractions;

namespace EtlAgent.Core.Tests.Impact;

/// <summary>
/// `--changed-since` on the warehouse in a git repository of its own: each scripted edit of
/// tests/fixtures/changed-since/edits.json selects exactly its expected transformations and test
/// files (precision and recall over all edits are printed and must be 100%).
/// </summary>
public sealed class ChangedSinceTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _repo = Directory.CreateTempSubdirectory("etl-agent-changed-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_repo, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private string Git(params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = _repo, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-c", "user.email=agent@example.com", "-c", "user.name=agent", "-c", "commit.gpgsign=false" }.Concat(arguments)) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var text = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"git {string.Join(' ', arguments)}: {error}");
        return text;
    }

    private void CopyWarehouse()
    {
        var source = TestPaths.Fixture("warehouse");
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (relative.StartsWith(".etl-agent", StringComparison.Ordinal)) continue;
            var target = Path.Combine(_repo, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        Git("init", "-q");
        Git("add", "-A");
        Git("commit", "-qm", "the warehouse");
        Git("tag", "base");
    }

    private void Apply(JsonElement step)
    {
        string P(string name) => Path.Combine(_repo, step.GetProperty(name).GetString()!);
        switch (step.GetProperty("op").GetString())
        {
            case "replace":
                var text = File.ReadAllText(P("file"));
                var old = step.GetProperty("old").GetString()!;
                Assert.True(text.Split(old).Length == 2, $"{step}: the old text is not in the file exactly once");
                File.WriteAllText(P("file"), text.Replace(old, step.GetProperty("new").GetString()!));
                break;
            case "append": File.AppendAllText(P("file"), step.GetProperty("text").GetString()!); break;
            case "write":
                Directory.CreateDirectory(Path.GetDirectoryName(P("file"))!);
                File.WriteAllText(P("file"), step.GetProperty("text").GetString()!);
                break;
            case "delete": File.Delete(P("file")); break;
            case "move":
                Directory.CreateDirectory(Path.GetDirectoryName(P("to"))!);
                File.Move(P("file"), P("to"));
                break;
            case "commit":
                Git("add", "-A");
                Git("commit", "-qm", "an edit");
                break;
            default: throw new ArgumentException($"unknown step {step}");
        }
    }

    private TestSelection Select(Core.Memory.IMemoryStore? memory = null)
    {
        var files = new PhysicalFileSource(_repo);
        var host = new EngineHost(new SystemClock(), EnvironmentVariables.None) { VersionControl = new GitRepository(_repo), Memory = memory };
        var engine = Engine.Create(files, WorkspaceSettings.Load(files), host);
        return engine.ChangedSince("base", engine.CurrentAnalysis());
    }

    [Fact]
    public void Every_scripted_edit_selects_exactly_the_affected_transformations_and_tests()
    {
        CopyWarehouse();
        using var doc = JsonDocument.Parse(File.ReadAllText(TestPaths.Fixture(Path.Combine("changed-since", "edits.json"))));
        var edits = doc.RootElement.GetProperty("edits").EnumerateArray().ToList();
        Assert.True(edits.Count >= 20);
        int tpT = 0, fpT = 0, fnT = 0, tpF = 0, fpF = 0, fnF = 0;
        var problems = new List<string>();
        foreach (var edit in edits)
        {
            Git("reset", "-q", "--hard", "base");
            Git("clean", "-qfdx");
            foreach (var step in edit.GetProperty("steps").EnumerateArray()) Apply(step);
            var selection = Select();
            var name = edit.GetProperty("name").GetString();
            var expectedT = edit.GetProperty("transformations").EnumerateArray().Select(e => e.GetString()!).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var expectedF = edit.GetProperty("tests").EnumerateArray().Select(e => e.GetString()!).ToHashSet(StringComparer.Ordinal);
            var actualT = selection.Transformations.Select(t => t.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var actualF = selection.Tests.Select(t => t.Path).ToHashSet(StringComparer.Ordinal);
            tpT += actualT.Count(expectedT.Contains); fpT += actualT.Count(t => !expectedT.Contains(t)); fnT += expectedT.Count(t => !actualT.Contains(t));
            tpF += actualF.Count(expectedF.Contains); fpF += actualF.Count(t => !expectedF.Contains(t)); fnF += expectedF.Count(t => !actualF.Contains(t));
            if (!expectedT.SetEquals(actualT) || !expectedF.SetEquals(actualF))
                problems.Add($"{name}:\n  extra: {string.Join(", ", actualT.Except(expectedT).Concat(actualF.Except(expectedF)))}\n  missing: {string.Join(", ", expectedT.Except(actualT).Concat(expectedF.Except(actualF)))}\n{selection.Text()}");
            // every selection says why
            Assert.All(selection.Tests, t => Assert.NotEmpty(t.Reasons));
            Assert.All(selection.Transformations, t => Assert.NotEmpty(t.Reasons));
            if (edit.TryGetProperty("firstTest", out var first))
                Assert.Equal(first.GetString(), selection.Tests[0].Path);
        }
        static string Percent(int tp, int other) => tp + other == 0 ? "100%" : $"{100.0 * tp / (tp + other):0.#}%";
        output.WriteLine($"{edits.Count} edits; transformations: precision {Percent(tpT, fpT)}, recall {Percent(tpT, fnT)} ({tpT} selected right, {fpT} extra, {fnT} missed); " +
                         $"test files: precision {Percent(tpF, fpF)}, recall {Percent(tpF, fnF)} ({tpF} right, {fpF} extra, {fnF} missed)");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void The_tests_of_a_transformation_that_failed_in_the_last_run_come_first()
    {
        CopyWarehouse();
        File.AppendAllText(Path.Combine(_repo, "etl-agent.json"), "\n");   // settings changed: every test is selected
        var unranked = Select().Tests.Select(t => t.Transformation).ToList();
        var last = unranked[^1]!;
        using var memory = new Core.Memory.SqliteMemoryStore(Path.Combine(_repo, ".etl-agent", "memory.db"));
        var started = DateTimeOffset.UtcNow;
        memory.RecordRun(new Core.Memory.RunWrite(new Core.Memory.RunRecord("r1", started, started, null, "failed", 0, 1, 0),
            new[] { new Core.Memory.CaseRecord("a case", last, "failed", 5, "code", "input") }, Array.Empty<Core.Memory.FindingSighting>()));
        var ranked = Select(memory).Tests.Select(t => t.Transformation).ToList();
        Assert.Equal(last, ranked[0]);
        Assert.Equal(unranked.Where(t => t != last), ranked.Skip(1));
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [Fact]
    public void An_unknown_revision_or_a_folder_outside_git_is_a_clear_error()
    {
        Directory.CreateDirectory(Path.Combine(_repo, "x"));
        var error = Assert.Throws<ConfigurationException>(() => new GitRepository(_repo).ChangedSince("base"));
        Assert.Contains("not inside a git repository", error.Message);
        CopyWarehouse();
        error = Assert.Throws<ConfigurationException>(() => new GitRepository(_repo).ChangedSince("no-such-branch"));
        Assert.Contains("'no-such-branch' is not a revision", error.Message);
        Assert.Throws<ConfigurationException>(() => new GitRepository(_repo).ChangedSince("--output=x"));
    }
}
