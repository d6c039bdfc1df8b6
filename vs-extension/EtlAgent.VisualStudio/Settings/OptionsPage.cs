using System.ComponentModel;
using System.Runtime.InteropServices;
using Microsoft.VisualStudio.Shell;

namespace EtlAgent.VisualStudio.Settings
{
    /// <summary>
    /// Tools › Options › ETL Agent › General: the settings the VS Code extension has under etlAgent.*
    /// (server path, dotnet path, include, exclude, compatibility level). A change takes effect when
    /// the server next starts (reopen the solution or folder).
    /// </summary>
    [Guid(Guids.OptionsPageString)]
    [ComVisible(true)]
    public sealed class OptionsPage : DialogPage
    {
        [Category("Server")]
        [DisplayName("Server path")]
        [Description("Path to EtlAgent.LanguageServer.dll (or a native server executable). Empty: the server shipped inside the extension.")]
        public string ServerPath { get; set; } = "";

        [Category("Server")]
        [DisplayName("dotnet path")]
        [Description("The dotnet host used to run the server .dll.")]
        public string DotnetPath { get; set; } = "dotnet";

        [Category("Workspace")]
        [DisplayName("Include")]
        [Description("Glob patterns of SQL files to analyse (added to etl-agent.json's include). Empty: every .sql file.")]
        public string[] Include { get; set; } = new string[0];

        [Category("Workspace")]
        [DisplayName("Exclude")]
        [Description("Glob patterns of files to skip (added to etl-agent.json's exclude and .etlagentignore).")]
        public string[] Exclude { get; set; } = new string[0];

        [Category("Workspace")]
        [DisplayName("Compatibility level")]
        [Description("SQL Server compatibility level for parsing (100-170); 0: etl-agent.json's, or 170.")]
        public int CompatibilityLevel { get; set; }

        public ServerSettings ToSettings() => new ServerSettings
        {
            ServerPath = ServerPath,
            DotnetPath = DotnetPath,
            Include = Include,
            Exclude = Exclude,
            CompatibilityLevel = CompatibilityLevel,
        };
    }
}
