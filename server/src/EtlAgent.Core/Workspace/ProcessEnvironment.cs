using EtlAgent.Core.Ports;

namespace EtlAgent.Core.Workspace;

/// <summary>The process's environment variables: the host adapter of <see cref="IEnvironment"/>.</summary>
public sealed class ProcessEnvironment : IEnvironment
{
    public string? Variable(string name) => Environment.GetEnvironmentVariable(name);
}
