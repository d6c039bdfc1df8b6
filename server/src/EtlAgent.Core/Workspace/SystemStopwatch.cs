using System.Diagnostics;
using EtlAgent.Core.Ports;

namespace EtlAgent.Core.Workspace;

/// <summary>The machine's monotonic clock: the host adapter of <see cref="IStopwatch"/>.</summary>
public sealed class SystemStopwatch : IStopwatch
{
    private readonly long _started = Stopwatch.GetTimestamp();

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_started);

    public static IStopwatch StartNew() => new SystemStopwatch();
}
