namespace EtlAgent.Core.Model;

/// <summary>
/// A construct the sandbox cannot run faithfully. Never a silently wrong answer: the test fails
/// with this error, naming the construct and where it is.
/// </summary>
public sealed class UnsupportedConstructException(string construct, Location? location, string? detail = null)
    : Exception($"{(location is null ? "" : location + ": ")}{construct} is not supported by the sandbox{(detail is null ? "." : ": " + detail)}")
{
    public string Construct { get; } = construct;
    public Location? Location { get; } = location;
    public string? Detail { get; } = detail;
}
