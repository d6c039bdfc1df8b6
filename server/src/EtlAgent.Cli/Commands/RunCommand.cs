using EtlAgent.Core.Agent;
using EtlAgent.Core.Model;
using EtlAgent.Core.Reporting;
using EtlAgent.Core.Sandbox;

namespace EtlAgent.Cli.Commands;

/// <summary>
/// `etl-agent run`: the full run (<see cref="FullRun"/>): discover, generate tests where a procedure
/// has none, run every test, the static rules, and the reports under .etl-agent/reports/. Prints the
/// text summary; progress goes to standard error so the summary stays clean for pipes.
/// </summary>
internal static class RunCommand
{
    public static Task<int> RunAsync(CliOptions options, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken) =>
        RunAsync(options, stdout, stderr, host: null, embedded: null, cancellationToken);

    internal static async Task<int> RunAsync(CliOptions options, TextWriter stdout, TextWriter stderr,
        EngineHost? host, SandboxFactoryProvider.EmbeddedSandbox? embedded, CancellationToken cancellationToken)
    {
        var failOn = options.Get("--fail-on", "error", "error", "warning", "never");
        BaseOption.Validate(options);
        var runOptions = new FullRunOptions
        {
            Generate = !options.Has("--no-generate"),
            GenerationBudget = options.Seconds("--budget", Engine.DefaultGenerationBudget),
            GenerationCap = options.Seconds("--cap", Core.Generation.GenerationOptions.DefaultCap),
            CaseTimeout = options.Seconds("--timeout", TimeSpan.FromMinutes(2), positive: true),
            TestDirectory = options.GetOptional("--out") ?? Core.Generation.GeneratedTestFiles.DefaultDirectory,
            ChangedSince = options.GetOptional("--changed-since"),
        };
        var upload = options.GetOptional("--upload");
        if (upload is not null)
        {
            try { Core.Reporting.ReportUpload.Parse(upload); }
            catch (FormatException e) { throw new UsageException(e.Message); }
        }
        var (engine, files) = await WorkspaceLoader.OpenAsync(options, cancellationToken, host, embedded);
        runOptions = runOptions with { WorkspaceRoot = files.Root };
        if (BaseOption.Resolve(options, engine, files.Root) is { } bases) runOptions = runOptions with { RootCause = runOptions.RootCause! with { Bases = bases } };

        FullRunStage? last = null;
        var progress = new Progress(p =>
        {
            // one line per step and per generated transformation, not per file, case or candidate
            if (p.Stage == FullRunStage.GenerateStep) return;
            if (p.Stage == FullRunStage.Generate || (p.Stage != last && p.Stage != FullRunStage.Done)) stderr.WriteLine($"[{p.Percentage,3}%] {p.Message}");
            last = p.Stage;
        });
        FullRunResult result;
        try { result = await engine.FullRun(files, runOptions).RunAsync(progress, cancellationToken); }
        catch (Core.Governance.BudgetExhaustedException e)
        {
            stderr.WriteLine($"etl-agent: budget: {e.Message}");
            return CliApp.ExitFindings;
        }

        stdout.Write(FullRunReport.Text(result));
        if (options.Has("--heal") && result.Failed > 0)
            await HealCommand.ApplyAllowedAsync(engine, files, stdout, result.RootCauses, cancellationToken);
        foreach (var defect in result.Defects) stderr.WriteLine(defect.LogText);
        if (upload is not null)
        {
            try
            {
                var uris = await engine.UploadReportsAsync(result.Reports, upload, cancellationToken: cancellationToken);
                stdout.WriteLine($"Uploaded {uris.Count} report files to {upload.TrimEnd('/')}/ (open {uris.FirstOrDefault(u => u.EndsWith("/index.html", StringComparison.Ordinal)) ?? uris.FirstOrDefault()})");
            }
            catch (IOException e)
            {
                stderr.WriteLine($"etl-agent: upload failed: {e.Message}");
                return CliApp.ExitFindings;
            }
        }
        var threshold = failOn switch { "warning" => Severity.Warning, "never" => (Severity?)null, _ => Severity.Error };
        return result.Fails(threshold) ? CliApp.ExitFindings : CliApp.ExitOk;
    }

    private sealed class Progress(Action<FullRunProgress> report) : IProgress<FullRunProgress>
    {
        public void Report(FullRunProgress value) => report(value);
    }
}
