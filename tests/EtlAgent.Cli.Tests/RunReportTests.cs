using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using EtlAgent.Cli;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Cli.Tests;

/// <summary>Chromium is on the machine (Debian's package, as the vscode-e2e suite installs it); otherwise skipped, saying so.</summary>
public sealed class WithChromiumFactAttribute : FactAttribute
{
    public WithChromiumFactAttribute()
    {
        if (RunReportTests.Chromium() is null)
            Skip = "no Chromium: install Debian's chromium package (scripts/suites/20-vscode.sh does) or set CHROME_PATH to check the HTML report in a browser.";
    }
}

/// <summary>moto_server (the S3 emulator the image provides) is on the PATH; otherwise skipped, saying so.</summary>
public sealed class WithMotoFactAttribute : FactAttribute
{
    public WithMotoFactAttribute()
    {
        if (RunReportTests.OnPath("moto_server") is null)
            Skip = "moto_server is not installed (pip install 'moto[server]'): `run --upload` is tested against it, never against AWS.";
    }
}

/// <summary>The run report in a real browser, and `run --upload` to an S3 emulator.</summary>
public sealed class RunReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("etl-agent-report-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    internal static string? OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    internal static string? Chromium() =>
        Environment.GetEnvironmentVariable("CHROME_PATH") is { Length: > 0 } p && File.Exists(p) ? p
            : OnPath("chromium") ?? OnPath("chromium-browser") ?? OnPath("google-chrome");

    private string Warehouse()
    {
        var source = TestPaths.Fixture("warehouse");
        var ws = Path.Combine(_dir, "warehouse");
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (relative.StartsWith(".etl-agent", StringComparison.Ordinal)) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(ws, relative))!);
            File.Copy(file, Path.Combine(ws, relative));
        }
        return ws;
    }

    private static (int Code, string Output) Process(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(start)!;
        var error = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(TimeSpan.FromMinutes(2))) { p.Kill(true); return (-1, "timed out"); }
        return (p.ExitCode, output + error.Result);
    }

    [WithChromiumFact]
    public void Headless_Chromium_renders_the_warehouse_report_with_every_transformation_and_status()
    {
        var ws = Warehouse();
        var (code, output, err) = Cli.Run("run", ws, "--no-generate", "--fail-on", "never");
        Assert.True(code == CliApp.ExitOk, output + err);
        Assert.Contains(".etl-agent/reports/index.html", output);
        var page = new Uri(Path.Combine(ws, ".etl-agent", "reports", "index.html")).AbsoluteUri;
        var profile = Path.Combine(_dir, "profile");
        string[] Flags(params string[] more) => new[] { "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", $"--user-data-dir={profile}" }.Concat(more).ToArray();

        // the DOM as the browser built it: every transformation is a box, the tested ones green
        var (domCode, dom) = Process(Chromium()!, Flags("--dump-dom", page));
        Assert.True(domCode == 0, dom);
        var boxes = Regex.Matches(dom, "<g class=\"node (\\w+)\">").Select(m => m.Groups[1].Value).ToList();
        var (_, discovered, _) = Cli.Run("discover", ws);
        using var discovery = System.Text.Json.JsonDocument.Parse(discovered);
        Assert.Equal(discovery.RootElement.GetProperty("transformations").GetArrayLength(), boxes.Count);
        Assert.Equal(5, boxes.Count(b => b == "passed")); // the five with test files, all passing
        Assert.Contains("<h2>Pipelines</h2>", dom);
        Assert.Contains("None: every case passed.", dom);

        // and drawn: a screenshot of a real page, not a blank one
        var shot = Path.Combine(_dir, "report.png");
        var (shotCode, log) = Process(Chromium()!, Flags("--window-size=1600,1200", $"--screenshot={shot}", page));
        Assert.True(shotCode == 0 && File.Exists(shot), log);
        var png = File.ReadAllBytes(shot);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png.Take(4));
        Assert.True(png.Length > 50_000, $"the screenshot is {png.Length} bytes: a blank page?");
    }

    [WithMotoFact]
    public async Task Run_upload_sends_the_reports_to_S3_and_records_each_upload()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0)) { probe.Start(); port = ((IPEndPoint)probe.LocalEndpoint).Port; }
        using var moto = System.Diagnostics.Process.Start(new ProcessStartInfo(OnPath("moto_server")!, new[] { "-H", "127.0.0.1", "-p", port.ToString() })
        { RedirectStandardOutput = true, RedirectStandardError = true })!;
        try
        {
            var endpoint = $"http://127.0.0.1:{port}";
            using var http = new HttpClient();
            for (var deadline = DateTime.UtcNow.AddSeconds(30); ; await Task.Delay(200))
            {
                try { await http.GetAsync(endpoint); break; }
                catch (HttpRequestException) when (DateTime.UtcNow < deadline && !moto.HasExited) { }
            }
            var s3 = new AmazonS3Client(new BasicAWSCredentials("testing", "testing"), new AmazonS3Config { ServiceURL = endpoint, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
            await s3.PutBucketAsync("etl-reports");

            var variables = new Dictionary<string, string>
            {
                ["AWS_ACCESS_KEY_ID"] = "testing", ["AWS_SECRET_ACCESS_KEY"] = "testing", ["AWS_REGION"] = "us-east-1", ["AWS_ENDPOINT_URL_S3"] = endpoint,
            };
            var audit = new InMemoryAuditLog();
            var host = new EngineHost(new SystemClock(), new EnvironmentVariables(n => variables.GetValueOrDefault(n))) { Audit = audit };
            var ws = Warehouse();
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int code = await EtlAgent.Cli.Commands.RunCommand.RunAsync(CliOptions.Parse(new[] { ws, "--no-generate", "--fail-on", "never", "--upload", "s3://etl-reports/nightly/2026-12-06" }),
                stdout, stderr, host, embedded: null, CancellationToken.None);
            Assert.True(code == CliApp.ExitOk, stdout.ToString() + stderr);
            Assert.Contains("Uploaded 3 report files to s3://etl-reports/nightly/2026-12-06/ (open s3://etl-reports/nightly/2026-12-06/index.html)", stdout.ToString());

            var listed = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "etl-reports", Prefix = "nightly/2026-12-06/" });
            Assert.Equal(new[] { "etl-agent.sarif", "index.html", "junit.xml" }, listed.S3Objects.Select(o => o.Key["nightly/2026-12-06/".Length..]).Order());
            using var index = await s3.GetObjectAsync("etl-reports", "nightly/2026-12-06/index.html");
            Assert.StartsWith("text/html", index.Headers.ContentType);
            var html = await new StreamReader(index.ResponseStream).ReadToEndAsync();
            Assert.Equal(File.ReadAllText(Path.Combine(ws, ".etl-agent", "reports", "index.html")), html);
            Assert.Equal(3, audit.Entries.Count(e => e.Action == AuditActions.FileWritten && e.Target.StartsWith("s3://etl-reports/nightly/2026-12-06/")));

            // a bucket that does not exist: the run stands, the upload fails with the store's reason
            stdout = new StringWriter(); stderr = new StringWriter();
            code = await EtlAgent.Cli.Commands.RunCommand.RunAsync(CliOptions.Parse(new[] { ws, "--no-generate", "--fail-on", "never", "--upload", "s3://no-such-bucket/x" }),
                stdout, stderr, host, embedded: null, CancellationToken.None);
            Assert.Equal(CliApp.ExitFindings, code);
            Assert.Contains("etl-agent: upload failed: s3://no-such-bucket/", stderr.ToString());
            Assert.DoesNotContain("testing", stderr.ToString().Replace("s3://", ""));
        }
        finally
        {
            moto.Kill(entireProcessTree: true);
            moto.WaitForExit();
        }
    }

    [Fact]
    public void A_bad_upload_destination_is_a_usage_error_before_anything_runs()
    {
        var ws = Warehouse();
        var (code, _, err) = Cli.Run("run", ws, "--upload", "https://example.com/x");
        Assert.Equal(CliApp.ExitUsage, code);
        Assert.Contains("--upload takes s3://bucket/prefix", err);
        (code, _, err) = Cli.Run("run", ws, "--upload", "s3://Bad_Bucket");
        Assert.Equal(CliApp.ExitUsage, code);
        Assert.Contains("is not an S3 bucket name", err);
        Assert.False(Directory.Exists(Path.Combine(ws, ".etl-agent")), "nothing ran");
    }
}
