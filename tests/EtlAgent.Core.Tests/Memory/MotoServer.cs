using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EtlAgent.Core.Tests.Memory;

/// <summary>
/// A moto_server (a local AWS API) on 127.0.0.1 and a free port for the test class that uses it:
/// started with the fixture, killed with it. DynamoDB is exercised through the real SDK against
/// it, never a mock. <see cref="Missing"/> says why the tests skip when moto_server is not installed.
/// </summary>
public sealed class MotoServer : IDisposable
{
    private readonly Process? _process;

    public MotoServer()
    {
        var exe = Find();
        if (exe is null)
        {
            Missing = "moto_server is not on PATH (pip install 'moto[server]'): the DynamoDB memory tests need it";
            return;
        }
        Port = FreePort();
        var info = new ProcessStartInfo(exe, ["-H", "127.0.0.1", "-p", Port.ToString()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var watch = Stopwatch.StartNew();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_process.HasExited) throw new InvalidOperationException($"moto_server exited with code {_process.ExitCode} before listening on port {Port}");
            try
            {
                http.GetAsync(Url).GetAwaiter().GetResult();
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { Thread.Sleep(200); }
        }
        Dispose();
        throw new InvalidOperationException($"moto_server did not listen on port {Port} within 60 s");
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Why the server could not be started (null when it runs).</summary>
    public string? Missing { get; }

    public void Dispose()
    {
        if (_process is { HasExited: false }) _process.Kill(entireProcessTree: true);
        _process?.WaitForExit(10_000);
        _process?.Dispose();
    }

    private static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "moto_server")).FirstOrDefault(File.Exists);

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
