using System;
using System.ComponentModel.Design;
using System.Runtime.InteropServices;
using System.Threading;
using EtlAgent.VisualStudio.Commands;
using EtlAgent.VisualStudio.LanguageClient;
using EtlAgent.VisualStudio.Output;
using EtlAgent.VisualStudio.Pipelines;
using EtlAgent.VisualStudio.Settings;
using Microsoft.VisualStudio;
using Microsoft.VisualStudio.ComponentModelHost;
using Microsoft.VisualStudio.Shell;
using Microsoft.VisualStudio.Shell.Interop;
using Task = System.Threading.Tasks.Task;

namespace EtlAgent.VisualStudio
{
    /// <summary>
    /// The package: the options page, the ETL Agent menu, the output pane and the Pipelines tool
    /// window. The language client itself is a MEF part (<see cref="EtlAgentLanguageClient"/>) that
    /// Visual Studio starts for .sql files; it loads this package for the options and the pane.
    /// </summary>
    [PackageRegistration(UseManagedResourcesOnly = true, AllowsBackgroundLoading = true)]
    [Guid(Guids.PackageString)]
    [ProvideMenuResource("Menus.ctmenu", 1)]
    [ProvideOptionPage(typeof(OptionsPage), "ETL Agent", "General", 0, 0, true)]
    [ProvideToolWindow(typeof(PipelinesToolWindow), Style = VsDockStyle.Tabbed, Window = ToolWindowGuids.SolutionExplorer)]
    [ProvideAutoLoad(VSConstants.UICONTEXT.SolutionExists_string, PackageAutoLoadFlags.BackgroundLoad)]
    [ProvideAutoLoad(VSConstants.UICONTEXT.FolderOpened_string, PackageAutoLoadFlags.BackgroundLoad)]
    public sealed class EtlAgentPackage : AsyncPackage
    {
        public OptionsPage Options => (OptionsPage)GetDialogPage(typeof(OptionsPage));

        public OutputPane Output { get; private set; }

        private EtlAgentLanguageClient _client;

        /// <summary>The package, loaded if it is not yet (the language client may start first).</summary>
        public static async System.Threading.Tasks.Task<EtlAgentPackage> LoadAsync(CancellationToken cancellationToken)
        {
            await ThreadHelper.JoinableTaskFactory.SwitchToMainThreadAsync(cancellationToken);
            if (!(await AsyncServiceProvider.GlobalProvider.GetServiceAsync(typeof(SVsShell)) is IVsShell shell)) return null;
            var guid = Guids.Package;
            return shell.LoadPackage(ref guid, out var package) == VSConstants.S_OK ? package as EtlAgentPackage : null;
        }

        protected override async Task InitializeAsync(CancellationToken cancellationToken, IProgress<ServiceProgressData> progress)
        {
            await JoinableTaskFactory.SwitchToMainThreadAsync(cancellationToken);
            if (await GetServiceAsync(typeof(SVsOutputWindow)) is IVsOutputWindow window) Output = OutputPane.Create(window);
            var model = await GetServiceAsync(typeof(SComponentModel)) as IComponentModel;
            _client = model?.GetService<EtlAgentLanguageClient>();
            if (_client != null && await GetServiceAsync(typeof(SVsStatusbar)) is IVsStatusbar statusBar)
                _client.Status += (s, text) => _ = ShowStatusAsync(statusBar, text);
            if (_client != null && await GetServiceAsync(typeof(IMenuCommandService)) is OleMenuCommandService commands)
                MenuCommands.Register(this, commands, _client, Output, () => _ = ShowPipelinesAsync());
        }

        private async Task ShowStatusAsync(IVsStatusbar statusBar, string text)
        {
            await JoinableTaskFactory.SwitchToMainThreadAsync();
            statusBar.SetText(text);
            Output?.WriteLine(text);
        }

        private async Task ShowPipelinesAsync()
        {
            var window = await ShowToolWindowAsync(typeof(PipelinesToolWindow), 0, create: true, DisposalToken) as PipelinesToolWindow;
            if (window == null) return;
            await JoinableTaskFactory.SwitchToMainThreadAsync();
            window.Client = _client;
            if (await GetServiceAsync(typeof(SVsSolution)) is IVsSolution solution && solution.GetSolutionInfo(out var directory, out _, out _) == VSConstants.S_OK)
                window.WorkspaceRoot = directory;
            await window.RefreshAsync();
        }
    }
}
