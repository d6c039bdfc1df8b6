using EtlAgent.Core.Agent;
using EtlAgent.Core.Healing;
using System.Text.RegularExpressions;
using EtlAgent.Core.Reporting;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Cli.Commands;

/// <summary>`etl-agent test`: loads every *.etltest.yaml, runs the cases in the sandbox, reports.</summary>
internal static class TestCommand
{
    public static Task<int> RunAsync(CliOptions options, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken) =>
        RunAsync(options, stdout, stderr, host: null, embedded: null, cancellationToken);

    /// <param name="host">Clock and environment variables (ETLAGENT_SQLSERVER).</param>
    /// <param name="embedded">The embedded engine; null: the DuckDB sandbox.</param>
    internal static async Task<int> RunAsync(CliOptions options, TextWriter stdout, TextWriter stderr,
        EngineHost? host, SandboxFactoryProvider.EmbeddedSandbox? embedded, CancellationToken cancellationToken)
    {
        var format = options.Get("--format", "text", "text", "json", "junit");
        var filter = options.GetOptional("--filter") is { } glob ? new TestFilter(glob) : null;
        var timeout = TimeSpan.FromMinutes(2);
        if (options.GetOptional("--timeout") is { } t)
        {
            if (!double.TryParse(t, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) || seconds <= 0)
                throw new UsageException($"--timeout must be a number of seconds greater than 0; got '{t}'.");
            timeout = TimeSpan.FromSeconds(seconds);
        }
        var (analysis, engine, files) = await WorkspaceLoader.AnalyzeAsync(options, cancellationToken, retainSyntax: true, host, embedded);

        var paths = TestFileLoader.FindTestFiles(files, engine.Settings);
        if (paths.Count == 0)
            throw new ConfigurationException($"no test files (*{TestFile.Extension}) in {files.Root}.");
        var selection = options.GetOptional("--changed-since") is { } reference ? engine.ChangedSince(reference, analysis) : null;
        if (selection is not null)
        {
            paths = paths.Where(selection.Selects).ToList();
            if (format == "text") stdout.Write(selection.Text());
            else stderr.Write(selection.Text());
            if (paths.Count == 0)
            {
                if (format == "json") WorkspaceLoader.Write(options, stdout, DiscoveryReport.Serialize(new System.Text.Json.Nodes.JsonObject { ["selection"] = selection.ToJson() }) + Environment.NewLine);
                stdout.WriteLine($"no test is affected by the changes since {selection.Reference}");
                return CliApp.ExitOk;
            }
        }
        var loaded = new TestFileLoader(analysis).LoadAll(files, paths);
        // a file the filter leaves out does not matter, whether it loads or not
        if (filter is not null)
            loaded = loaded.Where((l, i) => l.Success ? l.File!.Cases.Any(c => filter.Selects(l.File, c)) : filter.MaySelect(paths[i], Outline(files, paths[i]))).ToList();
        var errors = loaded.SelectMany(l => l.Errors).ToList();
        if (errors.Count > 0)
        {
            foreach (var e in errors) stderr.WriteLine($"{e.File}:{e.Line}:{e.Column}: error: {e.Message}");
            stderr.WriteLine($"etl-agent: {errors.Count} {(errors.Count == 1 ? "problem" : "problems")} in {loaded.Count(l => l.Errors.Count > 0)} test {(loaded.Count(l => l.Errors.Count > 0) == 1 ? "file" : "files")}; no test was run.");
            var drifted = errors.Where(e => e.Drift is not null).Select(e => e.File).Distinct().ToList();
            if (drifted.Count > 0)
                stderr.WriteLine($"etl-agent: out of date with the schema: {string.Join(", ", drifted)}; the editor's quick fix \"{SchemaDriftRewriter.FixTitle}\" rewrites the rows and re-records the expectations.");
            return CliApp.ExitUsage;
        }
        var testFiles = loaded.Select(l => l.File!).ToList();
        Func<TestFile, TestCase, bool>? select = filter is null ? null : filter.Selects;
        if (select is not null && testFiles.Count == 0)
            throw new UsageException($"--filter '{options.GetOptional("--filter")}' matches no test case (it is matched against file paths, transformation names and case names).");

        engine.Sandboxes.Describe(); // a configuration problem (no engine, refused database) is exit 2 before anything runs
        var runner = engine.TestRunner(analysis, timeout);
        Core.Sandbox.Runner.TestRunResult run;
        try { run = await engine.Governance.WithinBudgetAsync("test run", "while running the tests", t => runner.RunAsync(testFiles, select, cancellationToken: t), cancellationToken); }
        catch (Core.Governance.BudgetExhaustedException e)
        {
            stderr.WriteLine($"etl-agent: budget: {e.Message}");
            return CliApp.ExitFindings;
        }
        foreach (var defect in run.Defects) stderr.WriteLine(defect.LogText);

        var content = format switch
        {
            "json" => DiscoveryReport.Serialize(WithSelection(TestReport.ToJson(run), selection)) + Environment.NewLine,
            "junit" => JUnitReport.Write(run, engine.Clock.UtcNow),
            _ => TestReport.Text(run),
        };
        WorkspaceLoader.Write(options, stdout, content);
        if (format != "text" && options.GetOptional("--output") is not null)
            stdout.WriteLine($"{run.Passed} passed, {run.Failed} failed");
        return run.Success ? CliApp.ExitOk : CliApp.ExitFindings;
    }

    private static System.Text.Json.Nodes.JsonObject WithSelection(System.Text.Json.Nodes.JsonObject json, Core.Impact.TestSelection? selection)
    {
        if (selection is not null) json["selection"] = selection.ToJson();
        return json;
    }

    private static TestFileOutline? Outline(Core.Ports.IFileSource files, string path)
    {
        try { return TestFileOutline.Read(files.ReadAllText(path)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
