using Xunit.Abstractions;

namespace EtlAgent.Sandbox.Tests;

/// <summary>
/// A case's key as a theory argument: serializable, so every case is its own test when tests are
/// discovered, and shown whole in the test's name (xunit shortens long string arguments).
/// </summary>
public sealed class ConformanceCaseKey : IXunitSerializable
{
    public ConformanceCaseKey() => Key = "";

    public ConformanceCaseKey(string key) => Key = key;

    public string Key { get; private set; }

    public void Deserialize(IXunitSerializationInfo info) => Key = info.GetValue<string>(nameof(Key));

    public void Serialize(IXunitSerializationInfo info) => info.AddValue(nameof(Key), Key);

    public override string ToString() => Key;
}
