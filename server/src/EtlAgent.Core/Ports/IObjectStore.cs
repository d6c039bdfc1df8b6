namespace EtlAgent.Core.Ports;

/// <summary>A bucket of objects the run reports are uploaded to (S3: <see cref="Workspace.S3ObjectStore"/>).</summary>
public interface IObjectStore
{
    /// <summary>Stores <paramref name="content"/> under <paramref name="key"/> in <paramref name="bucket"/>, replacing what is there.</summary>
    /// <exception cref="IOException">The store refused or could not be reached; the message says why (never a credential).</exception>
    Task PutAsync(string bucket, string key, byte[] content, string contentType, CancellationToken cancellationToken = default);
}
