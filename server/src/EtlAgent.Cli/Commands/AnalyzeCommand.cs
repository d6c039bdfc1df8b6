using EtlAgent.Core.Agent;
using EtlAgent.Core.Reporting;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Cli.Commands;

/// <summary>
/// `etl-agent analyze`: runs the tests and prints the root cause of every failing case (statement,
/// columns, bug class, confidence, alternatives, severity, minimal failing input, explanation).
/// With --base REF the files at that git revision are the last green version; without it the
/// memory's (when the file changed since); --no-base compares with nothing.
/// </summary>
internal static class AnalyzeCommand
{
    public static Task<int> RunAsync(CliOptions options, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken) =>
        RunAsync(options, stdout, stderr, EngineHost.System, embedded: null, cancellationToken);

    internal static async Task<int> RunAsync(CliOptions options, TextWriter stdout, TextWriter stderr,
        EngineHost host, SandboxFactoryProvider.EmbeddedSandbox? embedded, CancellationToken cancellationToken)
    {
        var format = options.Get("--format", "text", "text", "json");
        BaseOption.Validate(options);
        var (engine, files) = await WorkspaceLoader.OpenAsync(options, cancellationToken, host, embedded);
        var bases = BaseOption.Resolve(options, engine, files.Root);
        var budget = options.Seconds("--budget", new Core.Analysis.RootCauseOptions().MutationBudget, positive: true);
        var (run, report) = await engine.AnalyzeFailuresAsync(options.GetOptional("--transformation"), null, null,
            new Core.Analysis.RootCauseOptions { MutationBudget = budget, Bases = bases }, cancellationToken);
        foreach (var e in run.FileErrors) stderr.WriteLine($"{e.File}:{e.Line}:{e.Column}: error: {e.Message}");
        if (run.Run is null && run.FileErrors.Count == 0)
            throw new ConfigurationException($"no test files in {files.Root}: analyze explains failing test cases (run `etl-agent generate` first).");
        foreach (var defect in run.Run?.Defects ?? Enumerable.Empty<Core.Model.InternalErrorException>()) stderr.WriteLine(defect.LogText);

        var content = format == "json" ? DiscoveryReport.Serialize(AnalysisReport.ToJson(report)) + Environment.NewLine : AnalysisReport.Text(report);
        WorkspaceLoader.Write(options, stdout, content);
        return report.Failures.Count == 0 && run.FileErrors.Count == 0 ? CliApp.ExitOk : CliApp.ExitFindings;
    }
}
