namespace EtlAgent.Cli.Commands;

internal static class MutateCommand
{
    public static Task<int> RunAsync(CliOptions options, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken) =>
        throw new UsageException("mutate: not implemented yet");
}
