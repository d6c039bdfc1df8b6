namespace EtlAgent.Core.Translation;

/// <summary>An error SQL Server would raise at run time, found while translating or interpreting.</summary>
public sealed class SandboxRuntimeError(int number, string message, int severity = 16, int state = 1) : Exception(message)
{
    public int Number { get; } = number;
    public int Severity { get; } = severity;
    public int State { get; } = state;
}
