using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Analysis;

/// <summary>The target types of the CONVERT/CAST calls (TRY_ forms included) in a fragment, in visiting order.</summary>
internal sealed class ConversionTypes : TSqlFragmentVisitor
{
    public List<DataTypeReference> Types { get; } = new();
    public override void Visit(ConvertCall node) => Types.Add(node.DataType);
    public override void Visit(TryConvertCall node) => Types.Add(node.DataType);
    public override void Visit(CastCall node) => Types.Add(node.DataType);
    public override void Visit(TryCastCall node) => Types.Add(node.DataType);
}
