using System.Globalization;
using EtlAgent.LanguageServer.Server;

// Messages and numbers read the same on every machine, whatever its locale.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.DefaultThreadCurrentUICulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;

// `dotnet EtlAgent.LanguageServer.dll` speaks LSP on stdin/stdout; logs go to stderr.
// `--version` prints the version (on stdout, since no protocol is spoken then).
if (args.Length > 0 && args[0] is "--version" or "-v")
{
    Console.WriteLine(typeof(LanguageServerHost).Assembly.GetName().Version?.ToString(3));
    return 0;
}
// The server lives for hours and one native crash ends it: reused DuckDB instances are for the
// short-lived CLI unless ETLAGENT_SANDBOX_REUSE=1 asks for them (DuckDB 1.5.6 can crash in MERGE …
// RETURNING, more readily in a long-lived process; see docs/sandbox-support.md).
EtlAgent.Core.Sandbox.DuckDb.DuckDbSandboxFactory.ReuseInstances = Environment.GetEnvironmentVariable("ETLAGENT_SANDBOX_REUSE") == "1";
var stdin = Console.OpenStandardInput();
var stdout = Console.OpenStandardOutput();
Console.SetOut(Console.Error); // nothing but protocol may ever reach stdout
return await LanguageServerHost.RunAsync(stdin, stdout);
