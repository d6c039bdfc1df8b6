using System.Diagnostics;
using EtlAgent.Core.Memory;
using Xunit.Abstractions;

namespace EtlAgent.Core.Tests.Memory;

/// <summary>
/// The memory under the abuse it meets: a process killed (SIGKILL) at a random moment while it
/// writes runs, and two processes (the CLI and the language server) writing at once. The writer
/// is a child process (tests/EtlAgent.MemoryWriter) that prints "completed ID" after each write returns.
/// </summary>
public sealed class MemoryRobustnessTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("etl-memory-kill-").FullName;

    private static string WriterDll =>
        Path.Combine(AppContext.BaseDirectory.Replace("EtlAgent.Core.Tests", "EtlAgent.MemoryWriter", StringComparison.Ordinal), "EtlAgent.MemoryWriter.dll");

    private static Process StartWriter(List<string> completed, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(WriterDll);
        foreach (var a in args) info.ArgumentList.Add(a);
        var p = Process.Start(info)!;
        p.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && line.StartsWith("completed ", StringComparison.Ordinal)) lock (completed) completed.Add(line["completed ".Length..]);
        };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    [Fact]
    public void A_writer_killed_at_random_moments_in_fifty_runs_loses_no_completed_run_and_never_corrupts_the_store()
    {
        Assert.True(File.Exists(WriterDll), $"{WriterDll} is built with the tests");
        var path = Path.Combine(_dir, "memory.db");
        var random = new Random(15);
        var completed = new List<string>();
        int killedMidway = 0;
        for (int round = 0; round < 50; round++)
        {
            using var writer = StartWriter(completed, "sqlite", path, "runs", "100000", $"k{round:D2}");
            Thread.Sleep(random.Next(150, 900));
            if (!writer.HasExited) { writer.Kill(); killedMidway++; } // Process.Kill is SIGKILL on Unix
            writer.WaitForExit();

            // after every kill the store opens, and every run reported complete is there, whole
            using var store = new SqliteMemoryStore(path);
            var runs = store.Runs().Select(r => r.Id).ToHashSet();
            string[] done;
            lock (completed) done = completed.ToArray();
            Assert.All(done, id => Assert.Contains(id, runs));
            var last = done.LastOrDefault();
            if (last is not null) Assert.Equal(20, store.Cases(last).Count);
        }
        using (var store = new SqliteMemoryStore(path))
        {
            // a run is there with all its cases or not at all
            Assert.All(store.Runs(), r => Assert.Equal(20, store.Cases(r.Id).Count));
            output.WriteLine($"50 rounds, {killedMidway} killed while writing, {completed.Count} runs completed, {store.Runs().Count} stored");
        }
        using var check = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False");
        check.Open();
        using var cmd = check.CreateCommand();
        cmd.CommandText = "PRAGMA integrity_check;";
        Assert.Equal("ok", cmd.ExecuteScalar());
        Assert.True(killedMidway >= 40, $"most rounds end in a kill while writing ({killedMidway} of 50)");
    }

    [Fact]
    public void Two_processes_writing_a_thousand_records_each_into_one_sqlite_memory_lose_none()
    {
        var path = Path.Combine(_dir, "memory.db");
        var completed = new List<string>();
        using var cli = StartWriter(completed, "sqlite", path, "heals", "1000", "cli");
        using var editor = StartWriter(completed, "sqlite", path, "heals", "1000", "editor");
        Assert.True(cli.WaitForExit(240_000) && editor.WaitForExit(240_000), "the writers finish");
        // the timed wait returns at the exit signal; this one also waits for the end of their output
        cli.WaitForExit();
        editor.WaitForExit();
        Assert.Equal((0, 0), (cli.ExitCode, editor.ExitCode));
        using var store = new SqliteMemoryStore(path);
        var targets = store.Heals().Select(h => h.Target).ToHashSet();
        Assert.Equal(2000, targets.Count);
        Assert.Equal(2000, completed.Count);
    }

    [Fact]
    public void Two_processes_recording_runs_at_once_both_have_every_run_recorded()
    {
        var path = Path.Combine(_dir, "memory.db");
        var completed = new List<string>();
        using var cli = StartWriter(completed, "sqlite", path, "runs", "150", "cli");
        using var editor = StartWriter(completed, "sqlite", path, "runs", "150", "editor");
        Assert.True(cli.WaitForExit(240_000) && editor.WaitForExit(240_000), "the writers finish");
        // the timed wait returns at the exit signal; this one also waits for the end of their output
        cli.WaitForExit();
        editor.WaitForExit();
        Assert.Equal((0, 0), (cli.ExitCode, editor.ExitCode));
        using var store = new SqliteMemoryStore(path);
        var runs = store.Runs();
        Assert.Equal(300, runs.Count);
        Assert.Equal(150, runs.Count(r => r.Id.StartsWith("cli-", StringComparison.Ordinal)));
        Assert.All(runs.Take(5), r => Assert.Equal(20, store.Cases(r.Id).Count));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Two processes writing into one DynamoDB table (moto_server) at once.</summary>
public sealed class DynamoDbConcurrencyTests(MotoServer moto) : IClassFixture<MotoServer>
{
    [SkippableFact]
    public void Two_processes_writing_a_thousand_records_each_into_one_table_lose_none()
    {
        Skip.If(moto.Missing is not null, moto.Missing);
        var table = $"two-writers-{Guid.NewGuid():N}";
        // create the table first, so the writers do not race to create it
        using var store = new DynamoDbMemoryStore(table, "us-east-1", moto.Url, new Amazon.Runtime.BasicAWSCredentials("testing", "testing"));
        Assert.Empty(store.Heals());
        var info = (string who) =>
        {
            var p = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory.Replace("EtlAgent.Core.Tests", "EtlAgent.MemoryWriter", StringComparison.Ordinal), "EtlAgent.MemoryWriter.dll"),
                         "dynamodb", table, moto.Url, "heals", "1000", who })
                p.ArgumentList.Add(a);
            return Process.Start(p)!;
        };
        using var cli = info("cli");
        using var editor = info("editor");
        var outputs = new[] { cli.StandardOutput.ReadToEndAsync(), editor.StandardOutput.ReadToEndAsync() };
        Assert.True(cli.WaitForExit(240_000) && editor.WaitForExit(240_000), "the writers finish");
        // the timed wait returns at the exit signal; this one also waits for the end of their output
        cli.WaitForExit();
        editor.WaitForExit();
        Assert.Equal((0, 0), (cli.ExitCode, editor.ExitCode));
        Assert.Equal(2000, store.Heals().Select(h => h.Target).Distinct().Count());
    }
}
