using System.Text.Json.Nodes;
using EtlAgent.Core.Governance;
using EtlAgent.Core.Reporting;

namespace EtlAgent.Cli.Commands;

/// <summary>
/// `etl-agent audit verify &lt;workspace&gt;`: checks the workspace's hash-chained audit trail
/// (.etl-agent/audit.jsonl). Exit 0 when the chain holds, 1 naming the first broken entry.
/// </summary>
internal static class AuditCommand
{
    public static int Run(CliOptions options, TextWriter stdout, TextWriter stderr)
    {
        if (options.Positionals.Count == 0 || options.Positionals[0] != "verify")
            throw new UsageException("audit takes a subcommand: etl-agent audit verify <workspace>.");
        var format = options.Get("--format", "text", "text", "json");
        var rest = new CliOptions();
        rest.Positionals.AddRange(options.Positionals.Skip(1));
        var root = rest.Workspace();
        var log = HashChainedAuditLog.ForWorkspace(root);
        var result = log.Verify();
        if (format == "json")
        {
            var json = new JsonObject
            {
                ["file"] = HashChainedAuditLog.RelativePath,
                ["holds"] = result.Holds,
                ["entries"] = result.Entries,
                ["head"] = result.HeadHash,
                ["brokenLine"] = result.BrokenLine,
                ["problem"] = result.Problem,
            };
            WorkspaceLoader.Write(options, stdout, DiscoveryReport.Serialize(json) + Environment.NewLine);
        }
        else WorkspaceLoader.Write(options, stdout, Relative(result, root).Text + Environment.NewLine);
        if (!result.Holds && format == "json") stderr.WriteLine($"etl-agent: {Relative(result, root).Text}");
        return result.Holds ? CliApp.ExitOk : CliApp.ExitFindings;
    }

    private static AuditVerification Relative(AuditVerification result, string root) =>
        result with { File = Path.GetRelativePath(root, result.File).Replace('\\', '/') };
}
