namespace EtlAgent.Core.Model;

/// <summary>
/// A T-SQL data type: base name in lower case ("nvarchar", "decimal", "sysname", "geography"),
/// and its length (-1 for MAX), precision and scale where they apply.
/// </summary>
public sealed record SqlType(string Name, int? Length = null, int? Precision = null, int? Scale = null)
{
    public const int Max = -1;

    /// <summary>
    /// The user-defined type (alias or table type) this type names, schema-qualified (dbo when not
    /// written), while the catalog has not resolved it: <see cref="Name"/> is then the type's own
    /// name. An alias type resolved by the catalog is its base type, without this.
    /// </summary>
    public QualifiedName? UserType { get; init; }

    public bool IsMax => Length == Max;

    public bool IsString => Name is "char" or "varchar" or "nchar" or "nvarchar" or "text" or "ntext" or "sysname";
    public bool IsUnicode => Name is "nchar" or "nvarchar" or "ntext" or "sysname";
    public bool IsExactNumeric => Name is "bit" or "tinyint" or "smallint" or "int" or "bigint" or "decimal" or "numeric" or "money" or "smallmoney";
    public bool IsInteger => Name is "bit" or "tinyint" or "smallint" or "int" or "bigint";
    public bool IsDecimal => Name is "decimal" or "numeric";
    public bool IsApproximate => Name is "float" or "real";
    public bool IsNumeric => IsExactNumeric || IsApproximate;
    public bool IsDateTime => Name is "date" or "datetime" or "datetime2" or "smalldatetime" or "datetimeoffset" or "time";
    public bool IsBinary => Name is "binary" or "varbinary" or "image" or "rowversion" or "timestamp";

    /// <summary>Effective character/byte length; sysname is nvarchar(128); strings without a length are 1.</summary>
    public int? EffectiveLength => Name switch
    {
        "sysname" => 128,
        "text" or "ntext" or "image" => Max,
        _ when (IsString || IsBinary) && Length is null => 1,
        _ => Length,
    };

    /// <summary>Integer types by storage width, for narrowing checks.</summary>
    public int IntegerRank => Name switch
    {
        "bit" => 1, "tinyint" => 2, "smallint" => 3, "int" => 4, "bigint" => 5, _ => 0,
    };

    public override string ToString()
    {
        if (Name is "decimal" or "numeric" && Precision is not null)
            return Scale is null ? $"{Name}({Precision})" : $"{Name}({Precision},{Scale})";
        if ((Name is "datetime2" or "time" or "datetimeoffset") && Scale is not null)
            return $"{Name}({Scale})";
        if ((IsString || IsBinary) && Name is not ("sysname" or "text" or "ntext" or "image" or "rowversion" or "timestamp") && Length is not null)
            return $"{Name}({(IsMax ? "max" : Length.ToString())})";
        if (Name == "float" && Precision is not null)
            return $"float({Precision})";
        return Name;
    }
}
