namespace EtlAgent.Core.Governance;

/// <summary>
/// The workspace's policy does not allow what was asked without a person's approval. An
/// <see cref="IOException"/> where it refuses a write, so every writer's existing handling reports
/// it as "not written" with this message.
/// </summary>
public sealed class PolicyRefusedException(string policyKey, string message) : IOException(message)
{
    /// <summary>The manifest key that refuses it, e.g. "policy.writeGeneratedTests".</summary>
    public string PolicyKey { get; } = policyKey;
}
