namespace EtlAgent.LanguageServer.Protocol;

/// <summary>window/showMessageRequest: a message with buttons; the client answers with the one chosen (or null).</summary>
public sealed class ShowMessageRequestParams
{
    public int Type { get; set; }
    public string Message { get; set; } = "";
    public List<MessageActionItem>? Actions { get; set; }
}

public sealed class MessageActionItem
{
    public string Title { get; set; } = "";
}
