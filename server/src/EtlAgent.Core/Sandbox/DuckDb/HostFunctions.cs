using DuckDB.NET.Data;
using EtlAgent.Core.Translation;

namespace EtlAgent.Core.Sandbox.DuckDb;

/// <summary>
/// Scalar functions every sandbox connection gets from .NET, for semantics DuckDB has no function
/// for, or that are far cheaper in .NET: SHA-512 (HASHBYTES 'SHA2_512'), XQuery over xml text
/// (<see cref="XmlQuery"/>) and reading a string as a date/time (<see cref="DateTimeStrings.CanonicalText"/>). They are
/// pure functions of their arguments; an error they raise carries SQL Server's number (or the
/// sandbox's refusal marker) in its message, as the translated SQL's own errors do.
/// </summary>
internal static class HostFunctions
{
    public static void Register(DuckDBConnection connection)
    {
#pragma warning disable DuckDBNET001 // the scalar-function API is marked experimental by DuckDB.NET
        connection.RegisterScalarFunction<byte[], string>(HashFunctions.Sha512HexFunction, (readers, writer, rows) =>
        {
            for (ulong i = 0; i < rows; i++)
            {
                if (!readers[0].IsValid(i)) { writer.WriteNull(i); continue; }
                var bytes = Bytes(readers[0].GetValue<object>(i));
                writer.WriteValue(Convert.ToHexString(System.Security.Cryptography.SHA512.HashData(bytes)), i);
            }
        }, new ScalarFunctionOptions());
        connection.RegisterScalarFunction<string, string, string, string>(XmlQuery.ValueFunction, (readers, writer, rows) =>
        {
            for (ulong i = 0; i < rows; i++)
            {
                if (!readers[0].IsValid(i)) { writer.WriteNull(i); continue; }
                var value = XmlQuery.Value(readers[0].GetValue<string>(i), readers[1].GetValue<string>(i), readers[2].GetValue<string>(i));
                if (value is null) writer.WriteNull(i); else writer.WriteValue(value, i);
            }
        }, new ScalarFunctionOptions());
        connection.RegisterScalarFunction<string, string, string, string>(XmlQuery.NodesFunction, (readers, writer, rows) =>
        {
            for (ulong i = 0; i < rows; i++)
            {
                if (!readers[0].IsValid(i)) { writer.WriteNull(i); continue; }
                writer.WriteValue(XmlQuery.Nodes(readers[0].GetValue<string>(i), readers[1].GetValue<string>(i), readers[2].GetValue<string>(i)), i);
            }
        }, new ScalarFunctionOptions());
        connection.RegisterScalarFunction<string, string, string, string>(XmlQuery.QueryFunction, (readers, writer, rows) =>
        {
            for (ulong i = 0; i < rows; i++)
            {
                if (!readers[0].IsValid(i)) { writer.WriteNull(i); continue; }
                writer.WriteValue(XmlQuery.Query(readers[0].GetValue<string>(i), readers[1].GetValue<string>(i), readers[2].GetValue<string>(i)), i);
            }
        }, new ScalarFunctionOptions());
        connection.RegisterScalarFunction<string, string, string>(DateTimeStrings.TextFunction, (readers, writer, rows) =>
        {
            for (ulong i = 0; i < rows; i++)
            {
                if (!readers[0].IsValid(i) || !readers[1].IsValid(i)) { writer.WriteNull(i); continue; }
                var text = DateTimeStrings.CanonicalText(readers[0].GetValue<string>(i), readers[1].GetValue<string>(i));
                if (text is null) writer.WriteNull(i); else writer.WriteValue(text, i);
            }
        }, new ScalarFunctionOptions());
#pragma warning restore DuckDBNET001
    }

    private static byte[] Bytes(object value)
    {
        if (value is byte[] b) return b;
        using var stream = (Stream)value;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
