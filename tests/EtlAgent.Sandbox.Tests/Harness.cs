using EtlAgent.Core.WorkspaceModel;
using System.Globalization;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.DuckDb;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Sandbox.Tests;

/// <summary>Locates fixtures and builds sandbox factories for workspaces (cached: they are immutable).</summary>
public static class Harness
{
    public static string RepoRoot { get; } = FindRoot();

    public static string Fixture(string name) => Path.Combine(RepoRoot, "tests", "fixtures", name);

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EtlAgentIde.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("EtlAgentIde.sln not found");
    }

    public static WorkspaceAnalysis Analyze(string folder)
    {
        var files = new PhysicalFileSource(folder);
        return new WorkspaceAnalyzer(WorkspaceSettings.Load(files)) { RetainSyntax = true, MaxDegreeOfParallelism = 1 }.Analyze(files);
    }

    private static readonly Lazy<DuckDbSandboxFactory> _warehouse = new(() => new DuckDbSandboxFactory(new SandboxSetup(Analyze(Fixture("warehouse")))));
    private static readonly Lazy<DuckDbSandboxFactory> _warehouseNoFk = new(() => new DuckDbSandboxFactory(new SandboxSetup(Analyze(Fixture("warehouse")), EnforceForeignKeys: false)));
    private static readonly Lazy<DuckDbSandboxFactory> _conformance = new(() => new DuckDbSandboxFactory(new SandboxSetup(Analyze(Path.Combine(Fixture("conformance"), "schema")))));

    public static DuckDbSandboxFactory Warehouse => _warehouse.Value;
    public static DuckDbSandboxFactory WarehouseWithoutForeignKeys => _warehouseNoFk.Value;
    public static DuckDbSandboxFactory Conformance => _conformance.Value;

    /// <summary>A value the way SQL Server Management Studio shows it (for comparing with documented results).</summary>
    public static string Render(object? v) => v switch
    {
        null => "NULL",
        bool b => b ? "1" : "0",
        DateTime d when d.TimeOfDay == TimeSpan.Zero => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime d => d.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture).TrimEnd('.'),
        double f => f.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        Guid g => g.ToString().ToUpperInvariant(),
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };

    public static string Render(ResultSet rs) =>
        rs.Rows.Count == 0 ? "(empty)" : string.Join(" | ", rs.Rows.Select(r => string.Join(",", rs.Columns.Select(c => Render(r[c])))));
}
