using System.Text.Json.Nodes;
using EtlAgent.LanguageServer.Handlers.Commands;
using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using LspCodeLens = EtlAgent.LanguageServer.Protocol.CodeLens;

namespace EtlAgent.LanguageServer.Handlers.CodeLens;

/// <summary>"Explain failure" above each case of a test file that failed in the last run (command: <see cref="ExplainFailureCommand"/>).</summary>
public static class ExplainFailureLenses
{
    public static IEnumerable<LspCodeLens> For(ServerContext server, string uri, string path)
    {
        foreach (var failure in server.Tests.Heals.FailuresIn(path))
        {
            var at = new Position(Math.Max(0, failure.Case.Line - 1), 0);
            yield return new LspCodeLens
            {
                Range = new Protocol.Range(at, at),
                Command = new Command { Title = ExplainFailureCommand.LensTitle, CommandId = ExplainFailureCommand.CommandId, Arguments = new JsonArray(uri, failure.Case.Name) },
            };
        }
    }
}
