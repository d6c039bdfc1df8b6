namespace EtlAgent.Core.Ports;

/// <summary>A file that differs from a revision: workspace-relative path ('/'), when it last changed.</summary>
/// <param name="Committed">The time of the latest commit since the revision that touched it; null when only the working tree differs.</param>
/// <param name="Uncommitted">The working tree (or index) differs from the last commit, or the file is new and untracked.</param>
public sealed record ChangedFile(string Path, DateTimeOffset? Committed, bool Uncommitted);

/// <summary>
/// The workspace's version control as the engine may read it: which files changed since a
/// revision, and a file's text at that revision (<see cref="IFileHistory"/>, which is all
/// root-cause analysis's `--base` needs). Git on disk (<see cref="Workspace.GitRepository"/>).
/// </summary>
public interface IVersionControl : IFileHistory
{
    /// <summary>Files that differ between <paramref name="reference"/> and the working tree, untracked ones included.</summary>
    /// <exception cref="Workspace.ConfigurationException">Not a repository, or the revision is unknown.</exception>
    IReadOnlyList<ChangedFile> ChangedSince(string reference);
}
