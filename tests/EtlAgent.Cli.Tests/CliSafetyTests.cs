using System.Text.Json;
using EtlAgent.Cli;
using EtlAgent.Cli.Output;

namespace EtlAgent.Cli.Tests;

/// <summary>The CLI's small promises: a file for a folder, control characters, per-command help, SARIF's version.</summary>
public class CliSafetyTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => Cli.Run(args);

    [Fact]
    public void A_file_instead_of_the_workspace_folder_says_so()
    {
        var file = Directory.EnumerateFiles(TestPaths.Fixture("malformed"), "*.sql").First();
        var (code, _, err) = Run("check", file);
        Assert.Equal(CliApp.ExitUsage, code);
        Assert.Contains("is a file; pass the workspace folder that contains it", err);
        Assert.DoesNotContain("does not exist", err);
    }

    [Fact]
    public void Control_characters_from_input_never_reach_the_terminal()
    {
        var (code, _, err) = Run("check", "no\u001b[31mdir\u0007");
        Assert.Equal(CliApp.ExitUsage, code);
        Assert.DoesNotContain('\u001b', err);
        Assert.DoesNotContain('\u0007', err);
        Assert.Contains("no\\u001B[31mdir\\u0007", err);

        var dir = Directory.CreateTempSubdirectory("etl-agent-ctl-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "a.sql"), "CREATE PROCEDURE dbo.[P\u001b[31mtitle\u0007] AS SELECT 1;");
            File.WriteAllText(Path.Combine(dir, "b\u001b[2J.sql"), "SELECT (1;");
            var (_, output, _) = Run("check", dir, "--fail-on", "never");
            var (_, discovered, _) = Run("discover", dir, "--format", "text");
            foreach (var text in new[] { output, discovered })
            {
                Assert.DoesNotContain(text, c => char.IsControl(c) && c is not ('\n' or '\t' or '\r'));
            }
            Assert.Contains("\\u001B[31mtitle\\u0007", discovered);
            Assert.Contains("b\\u001B[2J.sql:1:", output);
        }
        finally { Directory.Delete(dir, recursive: true); }
        Assert.Equal("a\\u001Bb\nc\td", SafeTextWriter.Clean("a\u001bb\nc\td"));
        Assert.Equal("\\u202E", SafeTextWriter.Clean("\u202E"));
    }

    [Theory]
    [InlineData("discover", "--format", "--compat")]
    [InlineData("check", "--fail-on", "--format")]
    [InlineData("test", "--filter", "--timeout")]
    [InlineData("generate", "--budget", "--no-mutants")]
    [InlineData("mutate", "--transformation", "--output")]
    [InlineData("run", "--no-generate", "--fail-on")]
    [InlineData("rules", "--format", "--output")]
    [InlineData("history", "--rules", "--format")]
    public void Each_command_has_its_own_help(string command, string option, string other)
    {
        var (code, output, _) = Run(command, "--help");
        Assert.Equal(0, code);
        Assert.StartsWith($"Usage:\n  etl-agent {command}", output.ReplaceLineEndings("\n"));
        Assert.Contains(option, output);
        Assert.Contains(other, output);
        Assert.Contains("Exit codes:", output);
        Assert.NotEqual(CliApp.Help.Trim(), output.Trim());
        foreach (var otherCommand in new[] { "discover", "check", "test", "generate", "mutate", "run", "rules", "history" }.Where(c => c != command))
            Assert.DoesNotContain($"  etl-agent {otherCommand} ", output);
        Assert.Equal(CliApp.ExitUsage, Run("nope", "--help").Code);
    }

    [Fact]
    public void Sarif_names_the_tool_version()
    {
        var (_, output, _) = Run("check", TestPaths.Fixture("malformed"), "--format", "sarif", "--fail-on", "never");
        var driver = JsonDocument.Parse(output).RootElement.GetProperty("runs")[0].GetProperty("tool").GetProperty("driver");
        var version = driver.GetProperty("version").GetString();
        var semantic = driver.GetProperty("semanticVersion").GetString();
        Assert.Matches(@"^\d+\.\d+\.\d+", version);
        Assert.Matches(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$", semantic);
        Assert.StartsWith(semantic!, version);
    }
}
