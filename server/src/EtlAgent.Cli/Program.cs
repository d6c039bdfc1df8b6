using System.Globalization;
using EtlAgent.Cli;

// Output never depends on the machine's locale (ICU is loaded for SqlClient, not for formatting).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.DefaultThreadCurrentUICulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;

return await CliApp.RunAsync(args, Console.Out, Console.Error);
