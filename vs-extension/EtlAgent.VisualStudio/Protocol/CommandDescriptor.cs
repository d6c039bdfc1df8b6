// Also compiled into tests/EtlAgent.LanguageServer.Tests (nullable there), which test it against the real server.
#nullable disable
using System.Collections.Generic;
using Newtonsoft.Json.Linq;

namespace EtlAgent.VisualStudio.Protocol
{
    /// <summary>
    /// One entry of the initialize result's capabilities.experimental.etlAgent.commands
    /// (docs/lsp-extensions.md): the menus run the server's commands as it describes them.
    /// </summary>
    public sealed class CommandDescriptor
    {
        public string Id { get; set; } = "";
        public string Title { get; set; } = "";
        public bool Cursor { get; set; }
        public bool Progress { get; set; }
        public bool ChangesWorkspace { get; set; }
        public string Returns { get; set; } = "null";

        /// <summary>The command list of an initialize result; empty for a server that announces none.</summary>
        public static IReadOnlyDictionary<string, CommandDescriptor> FromInitializeResult(JToken result)
        {
            var commands = new Dictionary<string, CommandDescriptor>();
            if (result?.SelectToken("capabilities.experimental.etlAgent.commands") is JArray list)
                foreach (var c in list)
                    if (c is JObject o && o.Value<string>("id") is string id)
                        commands[id] = new CommandDescriptor
                        {
                            Id = id,
                            Title = o.Value<string>("title") ?? id,
                            Cursor = o.Value<bool?>("cursor") ?? false,
                            Progress = o.Value<bool?>("progress") ?? false,
                            ChangesWorkspace = o.Value<bool?>("changesWorkspace") ?? false,
                            Returns = o.Value<string>("returns") ?? "null",
                        };
            return commands;
        }
    }

    /// <summary>The server's custom methods (docs/lsp-extensions.md) and the command ids the menu binds.</summary>
    public static class EtlAgentMethods
    {
        public const string Pipelines = "etlAgent/pipelines";
        public const string Lineage = "etlAgent/lineage";
        public const string Status = "etlAgent/status";
        public const string ExecuteCommand = "workspace/executeCommand";

        public const string FullRun = "etlAgent.fullRun";
        public const string GenerateTests = "etlAgent.generateTests";
        public const string RunTests = "etlAgent.runTests";
        public const string Mutate = "etlAgent.mutate";
        /// <summary>Shown in the menu only when the server announces it.</summary>
        public const string ExplainFailure = "etlAgent.explainFailure";
    }
}
