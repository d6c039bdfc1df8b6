using EtlAgent.Core.WorkspaceModel;
using System.Diagnostics;
using System.Text;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Reporting;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Bench;

/// <summary>
/// `--large-script [MB]`: one generated load script of single-row INSERTs (20 MB, about 190,000
/// statements, by default) through what `etl-agent discover` does (streaming analysis, JSON written
/// as it is built); prints the time and the process's peak working set. Run it alone: the peak is
/// the process's.
/// </summary>
public static class LargeScript
{
    public static void Run(int megabytes)
    {
        var sb = new StringBuilder(megabytes * 1024 * 1024 + 256);
        for (int i = 0; sb.Length < megabytes * 1024 * 1024; i++)
            sb.Append("INSERT INTO dbo.FactSales (SaleId, Customer, Amount) VALUES (").Append(i)
              .Append(", 'customer ").Append(i).Append(" of the load', ").Append(i % 1000).Append(".50);\n");
        var text = sb.ToString();
        sb.Clear();
        int statements = text.Count(c => c == '\n');
        var files = new MemoryFileSource().Add("load.sql", text);
        text = "";
        Console.WriteLine($"large script: {megabytes} MB, {statements:N0} INSERT statements");

        var sw = Stopwatch.StartNew();
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Default) { RetainSyntax = false }.Analyze(files);
        var analysed = sw.Elapsed;
        var counter = new CountingStream();
        DiscoveryReport.Write(counter, analysis);
        Console.WriteLine($"discover: {sw.Elapsed.TotalSeconds:F1} s (analysis {analysed.TotalSeconds:F1} s), " +
                          $"{analysis.Transformations.Sum(t => t.Transformation.Columns.Count):N0} column mappings, {counter.Length / 1024.0 / 1024.0:F0} MiB of JSON");
        Console.WriteLine($"peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / 1024.0 / 1024.0:F0} MiB");
    }

    private sealed class CountingStream : Stream
    {
        private long _length;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Write(byte[] buffer, int offset, int count) => _length += count;
        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
