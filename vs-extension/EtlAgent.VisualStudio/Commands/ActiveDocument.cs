using System;
using Microsoft.VisualStudio;
using Microsoft.VisualStudio.Shell;
using Microsoft.VisualStudio.Shell.Interop;
using Microsoft.VisualStudio.TextManager.Interop;

namespace EtlAgent.VisualStudio.Commands
{
    /// <summary>The active editor's file and 0-based caret line: the arguments of a command the server marks "cursor".</summary>
    internal static class ActiveDocument
    {
        public static (string Uri, int Line)? Get(IServiceProvider services)
        {
            ThreadHelper.ThrowIfNotOnUIThread();
            if (!(services.GetService(typeof(SVsTextManager)) is IVsTextManager manager)) return null;
            if (manager.GetActiveView(1, null, out var view) != VSConstants.S_OK || view == null) return null;
            if (view.GetCaretPos(out int line, out _) != VSConstants.S_OK) return null;
            if (view.GetBuffer(out var lines) != VSConstants.S_OK || !(lines is IPersistFileFormat file)) return null;
            if (file.GetCurFile(out var path, out _) != VSConstants.S_OK || string.IsNullOrEmpty(path)) return null;
            return (new Uri(path).AbsoluteUri, line);
        }
    }
}
