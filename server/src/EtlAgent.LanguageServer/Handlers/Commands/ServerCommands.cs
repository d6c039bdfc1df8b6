using System.Text.Json.Nodes;
using EtlAgent.LanguageServer.Server;

namespace EtlAgent.LanguageServer.Handlers.Commands;

/// <summary>A command the server executes through workspace/executeCommand.</summary>
public interface IServerCommand
{
    string Id { get; }
    /// <summary>What the initialize result announces of this command (experimental.etlAgent.commands); a command without one is announced by id alone.</summary>
    Protocol.CommandDescriptor Descriptor => new() { Id = Id, Title = Id };
    Task<JsonNode?> ExecuteAsync(JsonArray arguments, CancellationToken cancellationToken);
}

/// <summary>
/// The commands the server advertises in executeCommandProvider. A code lens may only use a
/// command from here, so every lens the client shows really works; a new lens (e.g. "Generate
/// tests") adds its command here and reaches every client without a client change.
/// </summary>
public sealed class ServerCommands
{
    private readonly Dictionary<string, IServerCommand> _commands = new(StringComparer.Ordinal);

    public ServerCommands(ServerContext server)
    {
        foreach (var c in new IServerCommand[]
        {
            new ShowLineageCommand(server),
            new ShowFindingsCommand(server),
            new FixAllCommand(server),
            new ReindexCommand(server),
            new RunTestsCommand(server),
            new FullRunCommand(server),
            new GenerateTestsCommand(server),
            new AcceptExpectationsCommand(server),
            new MutateCommand(server),
            new DismissFindingCommand(server),
            new ExplainFailureCommand(server),
        })
            _commands[c.Id] = c;
    }

    public IEnumerable<string> Ids => _commands.Keys.OrderBy(k => k, StringComparer.Ordinal);

    /// <summary>The announced command list, in id order (docs/lsp-extensions.md).</summary>
    public IEnumerable<Protocol.CommandDescriptor> Descriptors => Ids.Select(id => _commands[id].Descriptor);

    public IServerCommand? Find(string id) => _commands.GetValueOrDefault(id);

    public bool Contains(string id) => _commands.ContainsKey(id);

    internal static string? StringArg(JsonArray args, int index) =>
        index < args.Count && args[index] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
