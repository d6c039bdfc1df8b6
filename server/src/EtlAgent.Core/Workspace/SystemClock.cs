using EtlAgent.Core.Ports;

namespace EtlAgent.Core.Workspace;

/// <summary>The machine's clock: the host adapter of <see cref="IClock"/>.</summary>
public sealed class SystemClock : IClock
{
    public DateTime UtcNow => DateTime.UtcNow;

    public DateTime Today => DateTime.Today;
}
