namespace EtlAgent.Core.Ports;

/// <summary>The process environment as the engine may read it (the SQL Server sandbox's connection string, sandbox reuse).</summary>
public interface IEnvironment
{
    /// <summary>The variable's value, or null when it is not set.</summary>
    string? Variable(string name);
}

/// <summary>Variables read through a function: for tests, and for hosts that pass their own.</summary>
public sealed class EnvironmentVariables(Func<string, string?> read) : IEnvironment
{
    /// <summary>No variable set.</summary>
    public static EnvironmentVariables None { get; } = new(_ => null);

    public string? Variable(string name) => read(name);
}
