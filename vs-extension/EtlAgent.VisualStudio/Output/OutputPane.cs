using System;
using Microsoft.VisualStudio;
using Microsoft.VisualStudio.Shell;
using Microsoft.VisualStudio.Shell.Interop;

namespace EtlAgent.VisualStudio.Output
{
    /// <summary>The "ETL Agent" pane of the Output window: the server's log (stderr), command results, status.</summary>
    public sealed class OutputPane
    {
        public static readonly Guid PaneGuid = new Guid("9a7c3e51-2d4b-4f6a-8c1e-5b3d7f9a1c2e");
        private readonly IVsOutputWindowPane _pane;

        private OutputPane(IVsOutputWindowPane pane) => _pane = pane;

        /// <summary>Creates the pane (main thread).</summary>
        public static OutputPane Create(IVsOutputWindow window)
        {
            ThreadHelper.ThrowIfNotOnUIThread();
            var guid = PaneGuid;
            window.CreatePane(ref guid, "ETL Agent", fInitVisible: 1, fClearWithSolution: 0);
            return window.GetPane(ref guid, out var pane) == VSConstants.S_OK ? new OutputPane(pane) : null;
        }

        /// <summary>Thread-safe: OutputStringThreadSafe may be called from any thread.</summary>
#pragma warning disable VSTHRD010 // OutputStringThreadSafe is the one pane method documented as callable from any thread
        public void WriteLine(string text) => _pane.OutputStringThreadSafe(text + Environment.NewLine);
#pragma warning restore VSTHRD010

        public void Show()
        {
            ThreadHelper.ThrowIfNotOnUIThread();
            _pane.Activate();
        }
    }
}
