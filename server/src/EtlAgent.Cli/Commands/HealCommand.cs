using EtlAgent.Core.Agent;
using EtlAgent.Core.Healing;
using EtlAgent.Core.Reporting;
using EtlAgent.Core.Sandbox;

namespace EtlAgent.Cli.Commands;

/// <summary>
/// `etl-agent heal`: runs the tests, then lists the verified heals of the failing cases (text or
/// JSON), or with --apply ID writes that one where the policy allows it (refused otherwise, exit 1).
/// </summary>
internal static class HealCommand
{
    public static Task<int> RunAsync(CliOptions options, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken) =>
        RunAsync(options, stdout, stderr, EngineHost.System, embedded: null, cancellationToken);

    internal static async Task<int> RunAsync(CliOptions options, TextWriter stdout, TextWriter stderr,
        EngineHost host, SandboxFactoryProvider.EmbeddedSandbox? embedded, CancellationToken cancellationToken)
    {
        var format = options.Get("--format", "text", "text", "json");
        var apply = options.GetOptional("--apply");
        BaseOption.Validate(options);
        var (engine, files) = await WorkspaceLoader.OpenAsync(options, cancellationToken, host, embedded);
        // root-cause analysis ranks the statements the search edits first
        var heal = new HealRun(engine) { AnalyseRootCauses = true, Bases = BaseOption.Resolve(options, engine, files.Root) };
        var result = await heal.SuggestAsync(cancellationToken: cancellationToken);
        foreach (var defect in result.Run?.Defects ?? Enumerable.Empty<Core.Model.InternalErrorException>()) stderr.WriteLine(defect.LogText);
        foreach (var note in result.Notes) stderr.WriteLine($"etl-agent: {note}");
        int failing = result.Run?.Failed ?? 0;

        if (apply is not null)
        {
            var chosen = result.Suggestions.FirstOrDefault(s => string.Equals(s.Id, apply, StringComparison.OrdinalIgnoreCase))
                ?? throw new UsageException($"no verified heal with id '{apply}' (run 'etl-agent heal {options.Workspace()}' for the list; ids change when the files change).");
            var applied = heal.Apply(chosen, files, automatic: false);
            (applied.Applied ? stdout : stderr).WriteLine($"{(applied.Applied ? "" : "etl-agent: refused: ")}{applied.Message}");
            return applied.Applied ? CliApp.ExitOk : CliApp.ExitFindings;
        }

        var content = format == "json"
            ? DiscoveryReport.Serialize(HealReport.ToJson(result.Suggestions, result.Bases)) + Environment.NewLine
            : HealReport.Text(result.Suggestions, failing + result.FileErrors.Count(e => e.Drift is not null), result.Bases);
        WorkspaceLoader.Write(options, stdout, content);
        return failing == 0 && result.FileErrors.Count == 0 ? CliApp.ExitOk : CliApp.ExitFindings;
    }

    /// <summary>`run --heal`: the heals the policy lets apply on their own, applied and audited; the rest listed as suggestions.</summary>
    internal static async Task ApplyAllowedAsync(Engine engine, Core.Ports.IFileWriter writer, TextWriter stdout, Core.Analysis.RootCauseReport rootCauses,
        CancellationToken cancellationToken)
    {
        var heal = new HealRun(engine) { RootCauses = rootCauses };
        var result = await heal.SuggestAsync(cancellationToken: cancellationToken);
        // one heal per failure: the best the policy allows
        var done = new HashSet<(string, string?)>();
        foreach (var s in result.Suggestions)
        {
            if (done.Contains((s.Test, s.Case))) continue;
            if (!HealApplier.Allows(engine.Settings.Policy, s, automatic: true))
            {
                stdout.WriteLine($"heal {s.Id} suggested, not applied (policy): {s.Title} ({s.Verified})");
                continue;
            }
            var applied = heal.Apply(s, writer, automatic: true);
            stdout.WriteLine(applied.Message);
            if (applied.Applied) done.Add((s.Test, s.Case));
        }
    }
}
