using EtlAgent.Core.Agent;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Syntax;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Cli.Commands;

/// <summary>Settings + live catalog (when configured) + analysis, shared by the verbs.</summary>
internal static class WorkspaceLoader
{
    public static async Task<(WorkspaceAnalysis Analysis, PhysicalFileSource Files, WorkspaceAnalyzer Analyzer)> AnalyzeAsync(
        CliOptions options, CancellationToken cancellationToken, bool retainSyntax = false)
    {
        var (files, analyzer) = await CreateAsync(options, cancellationToken, retainSyntax);
        return (analyzer.Analyze(files, cancellationToken: cancellationToken), files, analyzer);
    }

    /// <summary>The workspace's files and an analyzer with its settings (and live catalog), not yet run.</summary>
    public static async Task<(PhysicalFileSource Files, WorkspaceAnalyzer Analyzer)> CreateAsync(
        CliOptions options, CancellationToken cancellationToken, bool retainSyntax)
    {
        var files = new PhysicalFileSource(options.Workspace());
        var settings = WorkspaceSettings.Load(files);
        if (options.GetOptional("--compat") is { } compat)
        {
            if (!int.TryParse(compat, out var level) || !SqlParser.IsSupportedLevel(level))
                throw new UsageException($"--compat must be one of 100, 110, 120, 130, 140, 150, 160, 170; got '{compat}'.");
            settings = settings with { CompatibilityLevel = level };
        }
        SchemaCatalog? live = null;
        if (!string.IsNullOrWhiteSpace(settings.CatalogConnectionString))
        {
            try { live = await LiveCatalog.ReadAsync(settings.CatalogConnectionString!, cancellationToken); }
            catch (Exception e) when (e is Microsoft.Data.SqlClient.SqlException or InvalidOperationException or ArgumentException)
            {
                throw new ConfigurationException($"{WorkspaceSettings.ManifestFile}: catalog.connectionString: cannot read the live catalog: {e.Message}");
            }
        }
        // discover/check need no syntax trees after checking: stream, so memory stays flat on large
        // workspaces; `test` keeps them for the sandbox, which translates from the trees.
        return (files, new WorkspaceAnalyzer(settings, live) { RetainSyntax = retainSyntax });
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
