using EtlAgent.Core.Sandbox.DuckDb;
using Xunit.Abstractions;

namespace EtlAgent.Sandbox.Tests;

public sealed class DebugProbe(ITestOutputHelper output)
{
    [Fact(Skip = "manual")]
    public async Task Probe()
    {
        var sql = Environment.GetEnvironmentVariable("PROBE_SQL") ?? "SELECT 1";
        await using var s = (DuckDbSandbox)await Harness.Conformance.CreateAsync();
        var r = await s.ExecuteSqlAsync(sql);
        output.WriteLine(r.Error?.ToString() ?? string.Join("\n", r.ResultSets.Select(Harness.Render)));
    }
}
