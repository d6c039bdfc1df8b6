using System;
using System.ComponentModel.Design;
using System.Threading;
using System.Threading.Tasks;
using EtlAgent.VisualStudio.LanguageClient;
using EtlAgent.VisualStudio.Output;
using EtlAgent.VisualStudio.Protocol;
using Microsoft.VisualStudio.Shell;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using StreamJsonRpc;

namespace EtlAgent.VisualStudio.Commands
{
    /// <summary>
    /// The Extensions › ETL Agent menu (EtlAgentPackage.vsct): Full Run, Generate Tests, Run Sandbox
    /// Tests, Run Mutation Analysis and Explain Failure each run the server command of that id through
    /// workspace/executeCommand, as the server describes it (titles, cursor arguments); an entry
    /// whose command the server does not announce is hidden. The answer goes to the output pane; the
    /// server's own messages (window/showMessage) show as Visual Studio notifications.
    /// </summary>
    internal sealed class MenuCommands
    {
        private readonly AsyncPackage _package;
        private readonly EtlAgentLanguageClient _client;
        private readonly OutputPane _output;

        private MenuCommands(AsyncPackage package, EtlAgentLanguageClient client, OutputPane output)
        {
            _package = package;
            _client = client;
            _output = output;
        }

        public static void Register(AsyncPackage package, OleMenuCommandService commands, EtlAgentLanguageClient client, OutputPane output,
            Action showPipelines)
        {
            var menu = new MenuCommands(package, client, output);
            menu.AddServerCommand(commands, CommandIds.FullRun, EtlAgentMethods.FullRun);
            menu.AddServerCommand(commands, CommandIds.GenerateTests, EtlAgentMethods.GenerateTests);
            menu.AddServerCommand(commands, CommandIds.RunTests, EtlAgentMethods.RunTests);
            menu.AddServerCommand(commands, CommandIds.Mutate, EtlAgentMethods.Mutate);
            menu.AddServerCommand(commands, CommandIds.ExplainFailure, EtlAgentMethods.ExplainFailure);
            commands.AddCommand(new MenuCommand((s, e) => showPipelines(), new CommandID(Guids.CommandSet, CommandIds.ShowPipelines)));
            commands.AddCommand(new MenuCommand((s, e) => { ThreadHelper.ThrowIfNotOnUIThread(); output.Show(); }, new CommandID(Guids.CommandSet, CommandIds.ShowOutput)));
        }

        private void AddServerCommand(OleMenuCommandService commands, int id, string serverCommand)
        {
            var item = new OleMenuCommand((s, e) => _ = RunAsync(serverCommand), new CommandID(Guids.CommandSet, id));
            item.BeforeQueryStatus += (s, e) =>
            {
                // visible once the server announced it; titled as the server titles it
                bool announced = _client.Commands.TryGetValue(serverCommand, out var descriptor);
                item.Visible = item.Enabled = announced;
                if (announced) item.Text = descriptor.Title;
            };
            commands.AddCommand(item);
        }

        private async Task RunAsync(string command)
        {
            await _package.JoinableTaskFactory.SwitchToMainThreadAsync();
            var arguments = new JArray();
            if (_client.Commands.TryGetValue(command, out var descriptor) && descriptor.Cursor && ActiveDocument.Get(_package) is { } at)
                arguments = new JArray(at.Uri, at.Line);
            _output.WriteLine($"{descriptor?.Title ?? command}: running");
            try
            {
                var result = await _client.ExecuteCommandAsync(command, arguments, CancellationToken.None);
                _output.WriteLine(result == null
                    ? $"{descriptor?.Title ?? command}: the ETL Agent server is not running (open a .sql file to start it)"
                    : $"{descriptor?.Title ?? command}: {result.ToString(Formatting.None)}");
            }
            catch (RemoteInvocationException e)
            {
                _output.WriteLine($"{descriptor?.Title ?? command} failed: {e.Message}");
            }
        }
    }
}
