using System.Diagnostics;

namespace EtlAgent.Cli.Tests;

/// <summary>Deeply nested input through the real `etl-agent` process: a stack overflow would end it with exit code 134, not a report.</summary>
public class DeepNestingCliTests
{
    private static string Repeat(string s, int n) => string.Concat(Enumerable.Repeat(s, n));

    /// <summary>The real CLI process: a stack overflow would be exit code 134, not a report.</summary>
    private static (int Code, string Out, string Err) RunCli(string file, string text, params string[] args)
    {
        var dir = Directory.CreateTempSubdirectory("etl-agent-deep-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, file), text);
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "etl-agent.dll"));
            start.ArgumentList.Add(args[0]);
            start.ArgumentList.Add(dir);
            foreach (var a in args.Skip(1)) start.ArgumentList.Add(a);
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            Assert.True(process.WaitForExit(300_000));
            return (process.ExitCode, output, stderr.Result);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void The_issue_repro_exits_with_a_finding_not_a_crash()
    {
        var (code, output, _) = RunCli("deep.sql", "CREATE PROCEDURE dbo.D AS SELECT " + Repeat("(", 5000) + "1" + Repeat(")", 5000) + ";", "check");
        Assert.Equal(1, code);
        Assert.Contains("deep.sql:1:", output);
        Assert.Contains("Nesting too deep", output);
    }

    [Fact]
    public void Generating_for_a_deep_procedure_refuses_it_instead_of_crashing()
    {
        // Under the guard's limit, so analysed; the sandbox translates on ordinary threads and must refuse, not overflow.
        var text = "CREATE TABLE dbo.T (a int);\nGO\nCREATE TABLE dbo.S (a int);\nGO\nCREATE PROCEDURE dbo.P AS INSERT INTO dbo.T (a) SELECT " +
            Repeat("(", 3000) + "a" + Repeat(")", 3000) + " FROM dbo.S;\nGO\n";
        var (code, _, err) = RunCli("p.sql", text, "generate", "--budget", "5", "--no-mutants");
        Assert.Equal(1, code);
        Assert.Contains("nesting this deep is not supported by the sandbox", err);
    }
}
