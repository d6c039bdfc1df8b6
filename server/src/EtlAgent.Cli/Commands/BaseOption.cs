using EtlAgent.Core.Agent;
using EtlAgent.Core.Analysis;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Cli.Commands;

/// <summary>
/// --base REF and --no-base of analyze, run and heal: which last green version root-cause analysis
/// compares a failing transformation's file with. --base wins; --no-base turns the comparison off;
/// neither: the memory's last green version when the file changed since.
/// </summary>
internal static class BaseOption
{
    /// <summary>Checks the options before the workspace is opened.</summary>
    public static void Validate(CliOptions options)
    {
        var revision = options.GetOptional("--base");
        if (revision is { Length: 0 }) throw new UsageException("--base needs a git revision (a commit, branch or tag).");
        if (revision is not null && options.Has("--no-base")) throw new UsageException("--base and --no-base exclude each other: give one.");
    }

    /// <summary>The bases the options ask for; null: the default (the memory's last green versions).</summary>
    public static BaseVersions? Resolve(CliOptions options, Engine engine, string root)
    {
        Validate(options);
        if (options.Has("--no-base")) return BaseVersions.None("--no-base");
        return options.GetOptional("--base") is { } revision ? Engine.GitBases(engine.Host.VersionControl ?? new GitRepository(root), revision) : null;
    }
}
