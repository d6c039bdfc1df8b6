using EtlAgent.Core.Governance;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Governance;

/// <summary>The hash-chained audit trail: what it writes, what `audit verify` catches, concurrency, and secrets.</summary>
public class AuditTrailTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 11, 0, 0, TimeSpan.Zero);

    private static AuditEntry Entry(int i, string action = AuditActions.FileWritten) =>
        new(T0.AddSeconds(i), "cli", action, $"tests/etl/T{i}.etltest.yaml", $"entry {i}", new Dictionary<string, string> { ["n"] = i.ToString() });

    private static (HashChainedAuditLog Log, MemoryAppendOnlyFile File) Trail(int entries)
    {
        var file = new MemoryAppendOnlyFile();
        var log = new HashChainedAuditLog(file);
        for (int i = 1; i <= entries; i++) log.Append(Entry(i));
        return (log, file);
    }

    [Fact]
    public void Each_line_carries_the_previous_lines_hash_and_an_intact_chain_holds()
    {
        var (log, file) = Trail(5);
        var lines = file.ReadLines();
        Assert.Equal(5, lines.Count);
        Assert.Contains($"\"prev\":\"{AuditChain.Genesis}\"", lines[0]);
        for (int i = 1; i < lines.Count; i++)
        {
            var previousHash = System.Text.Json.JsonDocument.Parse(lines[i - 1]).RootElement.GetProperty("hash").GetString();
            Assert.Contains($"\"prev\":\"{previousHash}\"", lines[i]);
            Assert.Contains($"\"seq\":{i + 1},", lines[i]);
        }
        var result = log.Verify();
        Assert.True(result.Holds, result.Text);
        Assert.Equal(5, result.Entries);
        Assert.Equal(5, log.Entries().Count);
        Assert.Equal("entry 3", log.Entries()[2].Reason);
    }

    [Fact]
    public void An_edited_entry_is_named_with_its_line()
    {
        var (log, file) = Trail(5);
        var lines = file.ReadLines().ToList();
        lines[2] = lines[2].Replace("entry 3", "entry three");
        file.Replace(lines);
        var result = log.Verify();
        Assert.False(result.Holds);
        Assert.Equal(3, result.BrokenLine);
        Assert.Contains("edited", result.Problem);
        Assert.Equal(2, result.Entries);
    }

    [Fact]
    public void An_edited_entry_whose_hash_is_recomputed_breaks_the_next_line()
    {
        var (log, file) = Trail(4);
        var lines = file.ReadLines().ToList();
        // a forger recomputes line 2 from line 1 with other content: its own hash is right, line 3 no longer follows it
        lines[1] = AuditChain.Next(lines[0], Entry(2) with { Reason = "forged" });
        file.Replace(lines);
        var result = log.Verify();
        Assert.Equal(3, result.BrokenLine);
        Assert.Contains("replaced", result.Problem);
    }

    [Fact]
    public void A_deleted_entry_is_named()
    {
        var (log, file) = Trail(5);
        var lines = file.ReadLines().ToList();
        lines.RemoveAt(1);
        file.Replace(lines);
        var result = log.Verify();
        Assert.Equal(2, result.BrokenLine);
        Assert.Contains("entry 2 is missing", result.Problem);
        Assert.Contains("deleted", result.Problem);

        lines.RemoveAt(0); // the first entries gone
        file.Replace(lines);
        Assert.Equal(1, log.Verify().BrokenLine);
    }

    [Fact]
    public void Reordered_entries_are_named()
    {
        var (log, file) = Trail(5);
        var lines = file.ReadLines().ToList();
        file.Replace(new[] { lines[0], lines[1], lines[3], lines[2], lines[4] });
        var result = log.Verify();
        Assert.False(result.Holds);
        Assert.Equal(3, result.BrokenLine);
        Assert.Contains("entry 3 belongs here but is at line 4", result.Problem);
        Assert.Contains("reordered", result.Problem);

        // an entry repeated after later ones (a line copied back): reordered as well
        file.Replace(new[] { lines[0], lines[1], lines[2], lines[1] });
        result = log.Verify();
        Assert.Equal(4, result.BrokenLine);
        Assert.Contains("entry 2 comes after entry 3", result.Problem);
    }

    [Fact]
    public void A_line_cut_short_is_named()
    {
        var (log, file) = Trail(3);
        var lines = file.ReadLines().ToList();
        lines[2] = lines[2][..(lines[2].Length / 2)];
        file.Replace(lines);
        var result = log.Verify();
        Assert.Equal(3, result.BrokenLine);
        Assert.Contains("cut short", result.Problem);
    }

    [Fact]
    public void Concurrent_writers_with_their_own_file_handles_keep_one_chain()
    {
        var dir = Directory.CreateTempSubdirectory("etl-agent-audit-").FullName;
        try
        {
            const int perWriter = 150;
            // each writer opens the file itself for each append, as a second process does: the lock is the file's, not the process's
            var writers = Enumerable.Range(0, 3).Select(w => Task.Run(() =>
            {
                var log = HashChainedAuditLog.ForWorkspace(dir);
                for (int i = 0; i < perWriter; i++) log.Append(Entry(i) with { Actor = $"writer{w}" });
            })).ToArray();
            Task.WaitAll(writers);
            var result = HashChainedAuditLog.ForWorkspace(dir).Verify();
            Assert.True(result.Holds, result.Text);
            Assert.Equal(3 * perWriter, result.Entries);
            Assert.True(File.Exists(Path.Combine(dir, ".etl-agent", "audit.jsonl")));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void A_write_killed_mid_line_is_reported_and_the_next_append_starts_a_fresh_line()
    {
        var dir = Directory.CreateTempSubdirectory("etl-agent-audit-").FullName;
        try
        {
            var log = HashChainedAuditLog.ForWorkspace(dir);
            log.Append(Entry(1));
            File.AppendAllText(Path.Combine(dir, ".etl-agent", "audit.jsonl"), "{\"seq\":2,\"time\":\"2026-");
            log.Append(Entry(3));
            var lines = log.Trail.ReadLines();
            Assert.Equal(3, lines.Count);
            Assert.Equal(2, log.Verify().BrokenLine);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void No_secret_reaches_the_trail()
    {
        var file = new MemoryAppendOnlyFile();
        var log = new HashChainedAuditLog(file, new SecretRedactor(new[] { "Server=known;Database=x_sandbox;Trusted_Connection=yes" }));
        log.Append(new AuditEntry(T0, "ci", AuditActions.ProductionGuardRefusal, "Prod",
            "cannot use Server=tcp:prod.example.com,1433;Database=Prod;User Id=sa;Password=S3cr3t!pw;Encrypt=true as a sandbox",
            new Dictionary<string, string>
            {
                ["connection"] = "Data Source=db;Initial Catalog=Sales;Pwd=hunter22",
                ["known"] = "from env: Server=known;Database=x_sandbox;Trusted_Connection=yes",
                ["aws"] = "AKIAIOSFODNN7EXAMPLE with aws_secret_access_key=wJalrXUtnFEMI/K7MDENG",
                ["header"] = "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig",
                ["password"] = "password = 'abc def'",
            }));
        var text = string.Join("\n", file.ReadLines());
        foreach (var secret in new[] { "S3cr3t!pw", "sa;", "prod.example.com", "hunter22", "Server=known", "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI", "eyJhbGciOiJIUzI1NiJ9", "abc def" })
            Assert.DoesNotContain(secret, text);
        Assert.Contains(SecretRedactor.RedactedConnectionString, text);
        Assert.Contains("as a sandbox", text); // what happened is still there
        Assert.True(log.Verify().Holds);
    }

    [Fact]
    public void The_extra_sink_gets_the_redacted_entry_once_it_is_durable()
    {
        var also = new InMemoryAuditLog();
        var log = new HashChainedAuditLog(new MemoryAppendOnlyFile()) { Also = also };
        log.Append(Entry(1) with { Reason = "Password=x1y2z3" });
        Assert.Equal("Password=***", Assert.Single(also.Entries).Reason);
    }
}
