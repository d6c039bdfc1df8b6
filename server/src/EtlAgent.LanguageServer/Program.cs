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
var stdin = Console.OpenStandardInput();
var stdout = Console.OpenStandardOutput();
Console.SetOut(Console.Error); // nothing but protocol may ever reach stdout
return await LanguageServerHost.RunAsync(stdin, stdout);
