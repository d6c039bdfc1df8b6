using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using EtlAgent.Core.Ports;

namespace EtlAgent.Core.Workspace;

/// <summary>
/// <see cref="IObjectStore"/> on Amazon S3 (or an S3-compatible endpoint) through AWSSDK.S3. Settings
/// come from the environment the host passes: AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL (then
/// path-style addressing, for S3-compatible servers), AWS_REGION or AWS_DEFAULT_REGION (default
/// us-east-1), and AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN; without keys the
/// SDK's usual chain (profile, instance role) is used.
/// </summary>
public sealed class S3ObjectStore : IObjectStore, IDisposable
{
    private readonly AmazonS3Client _client;

    public S3ObjectStore(IEnvironment environment)
    {
        string? Var(string name) => string.IsNullOrWhiteSpace(environment.Variable(name)) ? null : environment.Variable(name)!.Trim();
        var region = Var("AWS_REGION") ?? Var("AWS_DEFAULT_REGION") ?? "us-east-1";
        var config = new AmazonS3Config { RegionEndpoint = RegionEndpoint.GetBySystemName(region) };
        if ((Var("AWS_ENDPOINT_URL_S3") ?? Var("AWS_ENDPOINT_URL")) is { } endpoint)
        {
            // an explicit endpoint replaces the region's: sign for the region, address buckets by path
            config.ServiceURL = endpoint;
            config.ForcePathStyle = true;
            config.AuthenticationRegion = region;
        }
        _client = (Var("AWS_ACCESS_KEY_ID"), Var("AWS_SECRET_ACCESS_KEY")) is ({ } id, { } secret)
            ? new AmazonS3Client(Var("AWS_SESSION_TOKEN") is { } token ? new SessionAWSCredentials(id, secret, token) : new BasicAWSCredentials(id, secret), config)
            : new AmazonS3Client(config);
    }

    public async Task PutAsync(string bucket, string key, byte[] content, string contentType, CancellationToken cancellationToken = default)
    {
        try
        {
            using var stream = new MemoryStream(content, writable: false);
            await _client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = stream, ContentType = contentType }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonServiceException e)
        {
            throw new IOException($"s3://{bucket}/{key}: {e.ErrorCode ?? e.StatusCode.ToString()}: {e.Message}", e);
        }
        catch (AmazonClientException e)
        {
            throw new IOException($"s3://{bucket}/{key}: {e.Message}", e);
        }
        catch (HttpRequestException e)
        {
            throw new IOException($"s3://{bucket}/{key}: {e.Message}", e);
        }
    }

    public void Dispose() => _client.Dispose();
}
