using EtlAgent.Core.Agent;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Syntax;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Cli.Commands;

/// <summary>The engine for the workspace the verb names (settings with --compat, live catalog when configured), shared by the verbs.</summary>
internal static class WorkspaceLoader
{
    /// <summary>The engine and the analysis of the whole workspace.</summary>
    /// <param name="retainSyntax">discover/check need no syntax trees after checking: they stream, so memory stays flat on large workspaces; the verbs that run the sandbox keep them (it translates from the trees).</param>
    public static async Task<(WorkspaceAnalysis Analysis, Engine Engine, PhysicalFileSource Files)> AnalyzeAsync(
        CliOptions options, CancellationToken cancellationToken, bool retainSyntax = false, EngineHost? host = null,
        SandboxFactoryProvider.EmbeddedSandbox? embedded = null)
    {
        var (engine, files) = await OpenAsync(options, cancellationToken, host, embedded);
        return (engine.Analyze(retainSyntax, cancellationToken: cancellationToken), engine, files);
    }

    /// <summary>The engine for the workspace, not yet run.</summary>
    public static async Task<(Engine Engine, PhysicalFileSource Files)> OpenAsync(CliOptions options, CancellationToken cancellationToken,
        EngineHost? host = null, SandboxFactoryProvider.EmbeddedSandbox? embedded = null)
    {
        var files = new PhysicalFileSource(options.Workspace());
        int? level = null;
        if (options.GetOptional("--compat") is { } compat)
        {
            if (!int.TryParse(compat, out var parsed) || !SqlParser.IsSupportedLevel(parsed))
                throw new UsageException($"--compat must be one of 100, 110, 120, 130, 140, 150, 160, 170; got '{compat}'.");
            level = parsed;
        }
        var engine = await Engine.OpenAsync(files, host ?? EngineHost.ForWorkspace(files.Root, "cli"),
            settings => level is { } l ? settings with { CompatibilityLevel = l } : settings, embedded, cancellationToken);
        return (engine, files);
    }

    /// <summary>Like <see cref="Write(CliOptions, TextWriter, string)"/> for content written as UTF-8 bytes.</summary>
    public static void Write(CliOptions options, TextWriter stdout, Action<Stream> write)
    {
        if (options.GetOptional("--output") is { } path)
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            using var file = File.Create(path);
            write(file);
        }
        else
        {
            using var stream = new Output.TextWriterStream(stdout);
            write(stream);
            stream.Flush();
        }
    }

    public static void Write(CliOptions options, TextWriter stdout, string content)
    {
        if (options.GetOptional("--output") is { } path)
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            File.WriteAllText(path, content);
        }
        else stdout.Write(content);
    }
}
