namespace EtlAgent.Core.Memory;

/// <summary>
/// The memory cannot be reached or written (a locked file past the busy timeout, a DynamoDB error
/// after the retries). The message names the store and the cause, never a credential.
/// </summary>
public sealed class MemoryStoreException(string message, Exception? inner = null) : Exception(message, inner);
