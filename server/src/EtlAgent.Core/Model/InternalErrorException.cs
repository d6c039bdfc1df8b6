namespace EtlAgent.Core.Model;

/// <summary>
/// A defect of etl-agent met while handling user code (an exception the tool did not expect):
/// the message names what was being handled and the statement, says it is the tool's fault, and
/// leaves the .NET exception (type, message, stack) to <see cref="Exception.InnerException"/>,
/// which goes to the log (<see cref="LogText"/>), never to the user-facing message.
/// </summary>
public sealed class InternalErrorException(string subject, string statement, Location? location, Exception inner)
    : Exception($"{(location is null ? "" : location + ": ")}internal error of etl-agent in {subject}, at {statement} " +
                $"({inner.GetType().Name}): a defect of the tool, not of the SQL; please report it with the log", inner)
{
    /// <summary>What was being handled: "transformation dbo.LoadX", "view dbo.V".</summary>
    public string Subject { get; } = subject;

    /// <summary>The statement it happened at, as its first line of text or a description.</summary>
    public string Statement { get; } = statement;

    public Location? Location { get; } = location;

    /// <summary>What the log gets: the message, then the exception with its stack.</summary>
    public string LogText => Message + "\n" + InnerException;

    /// <summary>
    /// Exceptions that only a defect of the tool throws (a null, a missing key, a bad index or cast):
    /// their text means nothing to a user. Others carry a message meant for one (a SQL Server error, a refusal).
    /// </summary>
    public static bool IsDefect(Exception e) => e is NullReferenceException or IndexOutOfRangeException or KeyNotFoundException
        or InvalidCastException or ArgumentOutOfRangeException or ArgumentNullException or NotImplementedException or DivideByZeroException;

    /// <summary>A statement's first line, short enough for a message.</summary>
    public static string Excerpt(string? text)
    {
        var line = (text ?? "").TrimStart().Split('\n')[0].Trim();
        return line.Length == 0 ? "a statement" : line.Length <= 80 ? $"\"{line}\"" : $"\"{line[..77]}...\"";
    }
}
