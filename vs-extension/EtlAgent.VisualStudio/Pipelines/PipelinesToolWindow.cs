using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Windows;
using System.Windows.Controls;
using EtlAgent.VisualStudio.LanguageClient;
using Microsoft.VisualStudio.Shell;

namespace EtlAgent.VisualStudio.Pipelines
{
    /// <summary>
    /// View › Other Windows › ETL Agent Pipelines (also Extensions › ETL Agent › Pipelines): the
    /// workspace's pipelines from etlAgent/pipelines, refreshed on demand; double-click opens the file at
    /// the definition's line.
    /// Built in code (WPF), no XAML.
    /// </summary>
    [Guid(Guids.PipelinesToolWindowString)]
    public sealed class PipelinesToolWindow : ToolWindowPane
    {
        private readonly TreeView _tree = new TreeView();
        private readonly TextBlock _state = new TextBlock { Margin = new Thickness(4) };

        public PipelinesToolWindow() : base(null)
        {
            Caption = "ETL Agent Pipelines";
            var refresh = new Button { Content = "Refresh", Margin = new Thickness(4), HorizontalAlignment = HorizontalAlignment.Left };
            refresh.Click += (s, e) => _ = RefreshAsync();
            var top = new DockPanel();
            DockPanel.SetDock(refresh, Dock.Left);
            top.Children.Add(refresh);
            top.Children.Add(_state);
            var root = new DockPanel();
            DockPanel.SetDock(top, Dock.Top);
            root.Children.Add(top);
            root.Children.Add(_tree);
            Content = root;
        }

        /// <summary>Set by the package when it creates the window.</summary>
        internal EtlAgentLanguageClient Client { get; set; }

        internal string WorkspaceRoot { get; set; }

        public async System.Threading.Tasks.Task RefreshAsync()
        {
            await ThreadHelper.JoinableTaskFactory.SwitchToMainThreadAsync();
            if (Client == null) { _state.Text = "The ETL Agent server is not running (open a .sql file)."; return; }
            _state.Text = "loading…";
            var model = await Client.PipelinesAsync(CancellationToken.None);
            await ThreadHelper.JoinableTaskFactory.SwitchToMainThreadAsync();
            _tree.Items.Clear();
            if (model == null) { _state.Text = "The ETL Agent server is not running (open a .sql file)."; return; }
            var roots = PipelineNode.Build(model);
            foreach (var node in roots) _tree.Items.Add(Item(node));
            _state.Text = roots.Count == 1 ? "1 pipeline" : $"{roots.Count} pipelines";
        }

        private TreeViewItem Item(PipelineNode node)
        {
            var item = new TreeViewItem { Header = node.Description == null ? node.Label : $"{node.Label}  ({node.Description})", IsExpanded = node.Children.Count > 0 && node.File == null };
            foreach (var child in node.Children) item.Items.Add(Item(child));
            if (node.File != null)
                item.MouseDoubleClick += (s, e) =>
                {
                    ThreadHelper.ThrowIfNotOnUIThread();
                    e.Handled = true;
                    var path = WorkspaceRoot == null || Path.IsPathRooted(node.File) ? node.File : Path.Combine(WorkspaceRoot, node.File);
                    VsShellUtilities.OpenDocument(this, path, Guid.Empty, out _, out _, out _, out var view);
                    view?.SetCaretPos(node.Line, 0);
                    view?.CenterLines(node.Line, 1);
                };
            return item;
        }
    }
}
