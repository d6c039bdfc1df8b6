using System;
using System.Collections.Generic;
using System.ComponentModel.Composition;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using EtlAgent.VisualStudio.Output;
using EtlAgent.VisualStudio.Protocol;
using EtlAgent.VisualStudio.Settings;
using Microsoft.VisualStudio.LanguageServer.Client;
using Microsoft.VisualStudio.Shell;
using Microsoft.VisualStudio.Shell.Interop;
using Microsoft.VisualStudio.Threading;
using Microsoft.VisualStudio.Utilities;
using Newtonsoft.Json.Linq;
using StreamJsonRpc;

namespace EtlAgent.VisualStudio.LanguageClient
{
    /// <summary>
    /// The ETL Agent language client: Visual Studio starts it for the first .sql (or test) file and
    /// talks LSP to the bundled server over the process's stdio. Diagnostics, quick fixes, code
    /// actions (the server turns its code lenses into code actions for this client, which shows no
    /// lenses), executeCommand and applyEdit are Visual Studio's own LSP support; the menus and the
    /// Pipelines window use the JsonRpc this client is given for custom messages.
    /// </summary>
    [Export(typeof(ILanguageClient))]
    [Export(typeof(EtlAgentLanguageClient))]
    [ContentType(SqlContentType.Name)]
    [ContentType(SqlContentType.TestFileName)]
    [PartCreationPolicy(CreationPolicy.Shared)]
    public sealed class EtlAgentLanguageClient : ILanguageClient, ILanguageClientCustomMessage2
    {
        private JsonRpc _rpc;
        private Process _server;

        public EtlAgentLanguageClient()
        {
            MiddleLayer = new InitializeResultCapture(commands => Commands = commands);
            CustomMessageTarget = new StatusTarget(text => Status?.Invoke(this, text));
        }

        public string Name => "ETL Agent";

        /// <summary>
        /// None: the options page is the one source of settings (sent as initializationOptions). With a
        /// section, Visual Studio would send workspace/didChangeConfiguration from .vs/VSWorkspaceSettings.json,
        /// and an empty one would replace the options' include/exclude on the server.
        /// </summary>
        public IEnumerable<string> ConfigurationSections => null;

        public object InitializationOptions { get; private set; }

        public IEnumerable<string> FilesToWatch => new[] { "**/*.sql", "**/*.etltest.yaml", "**/etl-agent.json", "**/.etlagentignore" };

        public bool ShowNotificationOnInitializeFailed => true;

        public object MiddleLayer { get; }

        public object CustomMessageTarget { get; }

        /// <summary>What the server announced it executes (empty until it answered initialize).</summary>
        public IReadOnlyDictionary<string, CommandDescriptor> Commands { get; private set; } = new Dictionary<string, CommandDescriptor>();

        /// <summary>Status texts (etlAgent/status) for the status bar.</summary>
        public event EventHandler<string> Status;

        public event AsyncEventHandler<EventArgs> StartAsync;
#pragma warning disable CS0067 // part of ILanguageClient; the server stops with Visual Studio, never on our request
        public event AsyncEventHandler<EventArgs> StopAsync;
#pragma warning restore CS0067

        public async Task<Connection> ActivateAsync(CancellationToken token)
        {
            await ThreadHelper.JoinableTaskFactory.SwitchToMainThreadAsync(token);
            var package = await EtlAgentPackage.LoadAsync(token);
            var settings = package?.Options.ToSettings() ?? new ServerSettings();
            var output = package?.Output;
            InitializationOptions = settings.InitializationOptions();

            var extensionDirectory = Path.GetDirectoryName(typeof(EtlAgentLanguageClient).Assembly.Location);
            var (command, arguments, origin) = settings.Launch(extensionDirectory);
            output?.WriteLine($"starting the server ({origin}): {command} {arguments}");
            var info = new ProcessStartInfo(command, arguments)
            {
                UseShellExecute = false,
                CreateNoWindow = true,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            await TaskScheduler.Default;
            try
            {
                _server = Process.Start(info);
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception || e is IOException)
            {
                output?.WriteLine($"The ETL Agent server did not start: {e.Message}");
                return null;
            }
            // the server logs to stderr (and window/logMessage); stdout is the LSP channel
            _ = PumpLogAsync(_server.StandardError, output);
            return new Connection(_server.StandardOutput.BaseStream, _server.StandardInput.BaseStream);
        }

        public async Task OnLoadedAsync()
        {
            if (StartAsync != null) await StartAsync.InvokeAsync(this, EventArgs.Empty);
        }

        public Task OnServerInitializedAsync() => Task.CompletedTask;

        public Task<InitializationFailureContext> OnServerInitializeFailedAsync(ILanguageClientInitializationInfo initializationState) =>
            Task.FromResult(new InitializationFailureContext
            {
                FailureMessage = $"ETL Agent: the language server did not start ({initializationState.StatusMessage}). See the ETL Agent output pane.",
            });

        public Task AttachForCustomMessageAsync(JsonRpc rpc)
        {
            _rpc = rpc;
            return Task.CompletedTask;
        }

        /// <summary>workspace/executeCommand with the server's answer; null when the server is not running.</summary>
        public async Task<JToken> ExecuteCommandAsync(string command, JArray arguments, CancellationToken cancellationToken)
        {
            if (_rpc == null) return null;
            return await _rpc.InvokeWithParameterObjectAsync<JToken>(EtlAgentMethods.ExecuteCommand,
                new JObject { ["command"] = command, ["arguments"] = arguments ?? new JArray() }, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>The discover model (etlAgent/pipelines); null when the server is not running.</summary>
        public async Task<JToken> PipelinesAsync(CancellationToken cancellationToken)
        {
            if (_rpc == null) return null;
            return await _rpc.InvokeWithParameterObjectAsync<JToken>(EtlAgentMethods.Pipelines, new JObject(), cancellationToken).ConfigureAwait(false);
        }

        private static async Task PumpLogAsync(StreamReader stderr, OutputPane output)
        {
            string line;
            while ((line = await stderr.ReadLineAsync().ConfigureAwait(false)) != null)
                output?.WriteLine(line);
        }
    }
}
