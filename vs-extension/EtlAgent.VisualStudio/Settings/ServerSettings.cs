// Also compiled into tests/EtlAgent.LanguageServer.Tests (nullable there), which test it against the real server.
#nullable disable
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Newtonsoft.Json.Linq;

namespace EtlAgent.VisualStudio.Settings
{
    /// <summary>
    /// The options page's values → how the server starts and what it is told, exactly as the VS Code
    /// extension does it (vscode-extension/src/settings.ts): a path ending in .dll runs on the dotnet
    /// host, anything else is started as is; empty: the server bundled in the extension's server/ folder.
    /// </summary>
    public sealed class ServerSettings
    {
        public static readonly int[] CompatibilityLevels = { 100, 110, 120, 130, 140, 150, 160, 170 };

        public string ServerPath { get; set; } = "";
        public string DotnetPath { get; set; } = "dotnet";
        public string[] Include { get; set; } = new string[0];
        public string[] Exclude { get; set; } = new string[0];
        /// <summary>0: the workspace's etl-agent.json decides.</summary>
        public int CompatibilityLevel { get; set; }

        /// <summary>The command line, and where the server comes from ("bundled" or "settings").</summary>
        public (string Command, string Arguments, string Origin) Launch(string extensionDirectory)
        {
            var dotnet = string.IsNullOrWhiteSpace(DotnetPath) ? "dotnet" : DotnetPath.Trim();
            var configured = ServerPath?.Trim();
            if (!string.IsNullOrEmpty(configured))
                return configured.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
                    ? (dotnet, Quote(configured), "settings")
                    : (configured, "", "settings");
            return (dotnet, Quote(Path.Combine(extensionDirectory, "server", "EtlAgent.LanguageServer.dll")), "bundled");
        }

        /// <summary>initializationOptions: what the server reads (ClientSettings.cs), blank globs and unknown levels left out.</summary>
        public JObject InitializationOptions()
        {
            var options = new JObject
            {
                ["include"] = new JArray(Clean(Include).Cast<object>().ToArray()),
                ["exclude"] = new JArray(Clean(Exclude).Cast<object>().ToArray()),
            };
            if (CompatibilityLevels.Contains(CompatibilityLevel)) options["compatibilityLevel"] = CompatibilityLevel;
            return options;
        }

        private static IEnumerable<string> Clean(IEnumerable<string> globs) =>
            (globs ?? Enumerable.Empty<string>()).Where(g => !string.IsNullOrWhiteSpace(g)).Select(g => g.Trim());

        private static string Quote(string path) => path.Contains(" ") ? "\"" + path + "\"" : path;
    }
}
