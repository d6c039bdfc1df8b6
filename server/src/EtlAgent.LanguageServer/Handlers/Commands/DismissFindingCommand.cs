using System.Globalization;
using System.Text.Json.Nodes;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Memory;
using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using StreamJsonRpc;

namespace EtlAgent.LanguageServer.Handlers.Commands;

/// <summary>
/// etlAgent.dismissFinding [uri, fingerprint, ruleId, message, reason?, expires?]: stores the
/// dismissal in the workspace's memory (by fingerprint, with the reason and an optional expiry as
/// an ISO date) and publishes the file's diagnostics again without it. Without a reason the user
/// picks one (window/showMessageRequest), so the quick fix works in every client. Stored and
/// audited as the CLI's `etl-agent dismiss` does (<see cref="Dismissals.Dismiss"/>). Returns
/// { dismissed, fingerprint, reason, expires }.
/// </summary>
public sealed class DismissFindingCommand(ServerContext server) : IServerCommand
{
    public const string CommandId = "etlAgent.dismissFinding";

    /// <summary>The reasons offered when the client sends none; the last lapses after <see cref="TemporaryDays"/> days.</summary>
    public static readonly string[] Reasons = ["Intended behaviour", "False positive", "Accepted for now (30 days)"];

    private const int TemporaryDays = 30;

    public string Id => CommandId;

    public CommandDescriptor Descriptor { get; } = new()
    {
        Id = CommandId,
        Title = "Dismiss Finding…",
        Arguments =
        {
            CommandArgument.Document("the document the finding is in"),
            new CommandArgument { Name = "fingerprint", Description = "the finding's fingerprint (diagnostic data)" },
            new CommandArgument { Name = "ruleId", Description = "the rule id, e.g. ETL0006" },
            new CommandArgument { Name = "message", Optional = true, Description = "the finding's message, shown when asking for a reason" },
            new CommandArgument { Name = "reason", Optional = true, Description = "why; without one the user picks a reason" },
            new CommandArgument { Name = "expires", Optional = true, Description = "an ISO date after which the finding shows again" },
        },
        ChangesWorkspace = false,
        Returns = "DismissFindingResult",
    };

    public async Task<JsonNode?> ExecuteAsync(JsonArray arguments, CancellationToken cancellationToken)
    {
        string Required(int index, string what) => ServerCommands.StringArg(arguments, index)
            ?? throw new LocalRpcException($"{CommandId} takes [uri, fingerprint, ruleId, message, reason?, expires?]: {what} is missing.") { ErrorCode = ErrorCodes.InvalidParams };
        var uri = Required(0, "the document's URI");
        var fingerprint = Required(1, "the finding's fingerprint");
        var ruleId = Required(2, "the rule id");
        var message = ServerCommands.StringArg(arguments, 3) ?? "";
        var reason = ServerCommands.StringArg(arguments, 4);
        var now = server.Engine.Clock.UtcNow;
        DateTimeOffset? expires = null;
        if (ServerCommands.StringArg(arguments, 5) is { } e)
            expires = DateTimeOffset.TryParse(e, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed
                : throw new LocalRpcException($"{CommandId}: expires must be an ISO date; got '{e}'.") { ErrorCode = ErrorCodes.InvalidParams };
        if (string.IsNullOrWhiteSpace(reason))
        {
            var chosen = await server.Rpc.InvokeWithParameterObjectAsync<MessageActionItem?>("window/showMessageRequest", new ShowMessageRequestParams
            {
                Type = MessageType.Info,
                Message = $"Dismiss {ruleId} ({message})? The CLI and the editor will no longer show it.",
                Actions = Reasons.Select(r => new MessageActionItem { Title = r }).ToList(),
            }, cancellationToken).ConfigureAwait(false);
            if (chosen is null || string.IsNullOrWhiteSpace(chosen.Title)) return new JsonObject { ["dismissed"] = false };
            reason = chosen.Title;
            if (reason == Reasons[^1]) expires ??= new DateTimeOffset(DateTime.SpecifyKind(now, DateTimeKind.Utc)).AddDays(TemporaryDays);
        }
        var path = server.Paths.ToPath(uri);
        try
        {
            Dismissals.Dismiss(server.Engine, new FindingSighting(fingerprint, ruleId, path, message), reason!, expires);
        }
        catch (MemoryStoreException x)
        {
            throw new LocalRpcException($"cannot store the dismissal: {x.Message}") { ErrorCode = ErrorCodes.InternalError };
        }
        server.Log.Info($"dismissed {ruleId} in {path} ({fingerprint}): {reason}");
        server.PublishLayers(path);
        return new JsonObject
        {
            ["dismissed"] = true,
            ["fingerprint"] = fingerprint,
            ["reason"] = reason,
            ["expires"] = expires?.ToString("o", CultureInfo.InvariantCulture),
        };
    }
}
