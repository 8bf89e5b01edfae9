namespace KvDb.Storage;

/// <summary>
/// Order-preserving (memcomparable) encoding of key values: comparing encodings byte by byte orders them
/// exactly as the values order. A key attribute has one type per table, so no type tag is needed:
/// S is its UTF-8 bytes, B its bytes, N the <see cref="KvNumber"/> encoding.
/// </summary>
internal static class KeyCodec
{
    public const int MaxPartitionKeyBytes = 2048;
    public const int MaxSortKeyBytes = 1024;

    public static byte[] Encode(AttributeValue? value, KeyAttribute attribute, bool isPartitionKey, string tableName)
    {
        CheckType(value, attribute, isPartitionKey, tableName);
        byte[] bytes = value!.Kind switch
        {
            AttributeKind.String => System.Text.Encoding.UTF8.GetBytes(value.StringUnchecked),
            AttributeKind.Binary => (byte[])value.BinaryArray.Clone(),
            _ => value.NumberUnchecked.ToEncodedBytes(),
        };
        CheckLength(bytes.Length, value, attribute, isPartitionKey, tableName);
        return bytes;
    }

    /// <summary>Encodes a value of the given type without the key checks (for bounds of key conditions).</summary>
    public static byte[] EncodeBound(AttributeValue value) => value.Kind switch
    {
        AttributeKind.String => System.Text.Encoding.UTF8.GetBytes(value.StringUnchecked),
        AttributeKind.Binary => (byte[])value.BinaryArray.Clone(),
        AttributeKind.Number => value.NumberUnchecked.ToEncodedBytes(),
        _ => throw new InvalidOperationException("Only S, N and B values have a key encoding."),
    };

    public static void CheckType(AttributeValue? value, KeyAttribute attribute, bool isPartitionKey, string tableName)
    {
        var role = isPartitionKey ? "partition key" : "sort key";
        if (value is null)
        {
            throw new KvDbException(KvErrorCode.InvalidKey,
                $"Table \"{tableName}\": the {role} \"{attribute.Name}\" is missing.");
        }

        var expected = attribute.Type switch
        {
            ScalarType.String => AttributeKind.String,
            ScalarType.Number => AttributeKind.Number,
            _ => AttributeKind.Binary,
        };
        if (value.Kind != expected)
        {
            throw new KvDbException(KvErrorCode.InvalidKey,
                $"Table \"{tableName}\": the {role} \"{attribute.Name}\" must be of type {attribute.Type.ToShortName()}, but the value given is {value.Kind.ToShortName()}.");
        }

        if ((value.Kind == AttributeKind.String && value.StringUnchecked.Length == 0) ||
            (value.Kind == AttributeKind.Binary && value.BinaryArray.Length == 0))
        {
            throw new KvDbException(KvErrorCode.InvalidKey,
                $"Table \"{tableName}\": the {role} \"{attribute.Name}\" must not be empty.");
        }
    }

    private static void CheckLength(int length, AttributeValue value, KeyAttribute attribute, bool isPartitionKey, string tableName)
    {
        var max = isPartitionKey ? MaxPartitionKeyBytes : MaxSortKeyBytes;
        var size = value.Kind == AttributeKind.Number ? 0 : length;
        if (size > max)
        {
            throw new KvDbException(KvErrorCode.KeyTooLarge,
                $"Table \"{tableName}\": the {(isPartitionKey ? "partition key" : "sort key")} \"{attribute.Name}\" is {size} bytes; the limit is {max} bytes.");
        }
    }

    public static AttributeValue Decode(ReadOnlySpan<byte> bytes, ScalarType type) => type switch
    {
        ScalarType.String => AttributeValue.FromString(System.Text.Encoding.UTF8.GetString(bytes)),
        ScalarType.Binary => AttributeValue.OwnedBinary(bytes.ToArray()),
        _ => AttributeValue.FromNumber(KvNumber.Decode(bytes, out _)),
    };
}
