namespace KvDb.Mapping;

/// <summary>
/// Lists, arrays and read-only list interfaces as L. Reading accepts L and, for convenience, SS, NS and BS.
/// </summary>
/// <typeparam name="TCollection">The property type (List&lt;T&gt;, T[], IList&lt;T&gt;, IReadOnlyList&lt;T&gt;...).</typeparam>
/// <typeparam name="TElement">The element type.</typeparam>
internal sealed class ListConverter<TCollection, TElement> : ValueConverter<TCollection?>
    where TCollection : class, IEnumerable<TElement>
{
    private readonly ValueConverter<TElement> _element;
    private readonly bool _isArray;

    public ListConverter(ValueConverter<TElement> element)
        : base(AttributeKind.List)
    {
        _element = element;
        _isArray = typeof(TCollection).IsArray;
    }

    public override ValueShape Shape => ValueShape.List;

    public override ValueConverter? ElementConverter => _element;

    public override AttributeValue? Write(TCollection? value)
    {
        if (value is null)
        {
            return null;
        }

        AttributeValue[] values;
        if (value is IReadOnlyList<TElement> list)
        {
            values = new AttributeValue[list.Count];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = _element.WriteElement(list[i]);
            }
        }
        else
        {
            var buffer = new List<AttributeValue>();
            foreach (var element in value)
            {
                buffer.Add(_element.WriteElement(element));
            }

            values = [.. buffer];
        }

        return AttributeValue.OwnedList(values);
    }

    public override TCollection? Read(AttributeValue value)
    {
        var elements = SetElements.ToList(value) ?? throw Mismatch("L", value);
        if (_isArray)
        {
            var array = new TElement[elements.Count];
            for (var i = 0; i < array.Length; i++)
            {
                array[i] = ReadAt(elements, i);
            }

            return (TCollection)(object)array;
        }

        var result = new List<TElement>(elements.Count);
        for (var i = 0; i < elements.Count; i++)
        {
            result.Add(ReadAt(elements, i));
        }

        return (TCollection)(object)result;
    }

    private TElement ReadAt(IReadOnlyList<AttributeValue> elements, int index)
    {
        try
        {
            return _element.ReadElement(elements[index]);
        }
        catch (MappingReadException ex)
        {
            throw ex.AtIndex(index);
        }
    }
}

/// <summary>
/// Sets (HashSet&lt;T&gt;, ISet&lt;T&gt;, IReadOnlySet&lt;T&gt;, SortedSet&lt;T&gt;) as SS, NS or BS by the element's kind.
/// An empty set leaves the attribute out, since a set attribute cannot be empty. Elements of other kinds are
/// stored as L.
/// </summary>
/// <typeparam name="TSet">The property type.</typeparam>
/// <typeparam name="TElement">The element type.</typeparam>
internal sealed class SetConverter<TSet, TElement> : ValueConverter<TSet?>
    where TSet : class, IEnumerable<TElement>
{
    private readonly ValueConverter<TElement> _element;
    private readonly bool _sorted;

    public SetConverter(ValueConverter<TElement> element)
        : base(element.Kind switch
        {
            AttributeKind.String => AttributeKind.StringSet,
            AttributeKind.Number => AttributeKind.NumberSet,
            AttributeKind.Binary => AttributeKind.BinarySet,
            _ => AttributeKind.List,
        })
    {
        _element = element;
        _sorted = typeof(TSet).IsGenericType && typeof(TSet).GetGenericTypeDefinition() == typeof(SortedSet<>);
    }

    public override ValueShape Shape => ValueShape.Set;

    public override ValueConverter? ElementConverter => _element;

    public override AttributeValue? Write(TSet? value)
    {
        if (value is null)
        {
            return null;
        }

        switch (Kind)
        {
            case AttributeKind.StringSet:
            {
                var strings = new List<string>();
                foreach (var element in value)
                {
                    strings.Add(WriteScalar(element).StringUnchecked);
                }

                return strings.Count == 0 ? null : AttributeValue.FromStringSet(strings);
            }

            case AttributeKind.NumberSet:
            {
                var numbers = new List<KvNumber>();
                foreach (var element in value)
                {
                    numbers.Add(WriteScalar(element).NumberUnchecked);
                }

                return numbers.Count == 0 ? null : AttributeValue.FromNumberSet(numbers);
            }

            case AttributeKind.BinarySet:
            {
                var binaries = new List<byte[]>();
                foreach (var element in value)
                {
                    binaries.Add(WriteScalar(element).BinaryArray);
                }

                return binaries.Count == 0 ? null : AttributeValue.FromBinarySet(binaries);
            }

            default:
            {
                var values = new List<AttributeValue>();
                foreach (var element in value)
                {
                    values.Add(_element.WriteElement(element));
                }

                return AttributeValue.OwnedList([.. values]);
            }
        }
    }

    private AttributeValue WriteScalar(TElement element) =>
        _element.Write(element) ?? throw new KvDbException(KvErrorCode.InvalidMapping, MappingErrors.NullInSet(typeof(TSet)));

    public override TSet? Read(AttributeValue value)
    {
        var elements = SetElements.ToList(value) ?? throw Mismatch(Kind!.Value.ToShortName(), value);
        ISet<TElement> result = _sorted ? new SortedSet<TElement>() : new HashSet<TElement>(elements.Count);
        for (var i = 0; i < elements.Count; i++)
        {
            try
            {
                result.Add(_element.ReadElement(elements[i]));
            }
            catch (MappingReadException ex)
            {
                throw ex.AtIndex(i);
            }
        }

        return (TSet)result;
    }
}

/// <summary>Dictionaries keyed by strings as M; null values become NULL.</summary>
/// <typeparam name="TDictionary">The property type (Dictionary, IDictionary, IReadOnlyDictionary).</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
internal sealed class DictionaryConverter<TDictionary, TValue> : ValueConverter<TDictionary?>
    where TDictionary : class, IEnumerable<KeyValuePair<string, TValue>>
{
    private readonly ValueConverter<TValue> _value;

    public DictionaryConverter(ValueConverter<TValue> value)
        : base(AttributeKind.Map)
    {
        _value = value;
    }

    public override ValueShape Shape => ValueShape.Dictionary;

    public override ValueConverter? ElementConverter => _value;

    public override AttributeValue? Write(TDictionary? value)
    {
        if (value is null)
        {
            return null;
        }

        var names = new List<string>();
        var values = new List<AttributeValue>();
        foreach (var (key, element) in value)
        {
            names.Add(key);
            values.Add(_value.WriteElement(element));
        }

        return AttributeValue.FromMap(new AttributeMap([.. names], [.. values]));
    }

    public override TDictionary? Read(AttributeValue value)
    {
        if (value.Kind != AttributeKind.Map)
        {
            throw Mismatch("M", value);
        }

        var map = value.MapUnchecked;
        var result = new Dictionary<string, TValue>(map.Count, StringComparer.Ordinal);
        for (var i = 0; i < map.Count; i++)
        {
            var key = map.NameAt(i);
            try
            {
                result.Add(key, _value.ReadElement(map.ValueAt(i)));
            }
            catch (MappingReadException ex)
            {
                throw ex.AtKey(key);
            }
        }

        return (TDictionary)(object)result;
    }
}

/// <summary>Elements of L, SS, NS and BS values as attribute values.</summary>
internal static class SetElements
{
    /// <summary>The elements, or null when the value is not a list or set.</summary>
    public static IReadOnlyList<AttributeValue>? ToList(AttributeValue value)
    {
        switch (value.Kind)
        {
            case AttributeKind.List:
                return value.ListArray;
            case AttributeKind.StringSet:
            {
                var strings = value.StringSetArray;
                var result = new AttributeValue[strings.Length];
                for (var i = 0; i < strings.Length; i++)
                {
                    result[i] = AttributeValue.FromString(strings[i]);
                }

                return result;
            }

            case AttributeKind.NumberSet:
            {
                var numbers = value.NumberSetArray;
                var result = new AttributeValue[numbers.Length];
                for (var i = 0; i < numbers.Length; i++)
                {
                    result[i] = AttributeValue.FromNumber(numbers[i]);
                }

                return result;
            }

            case AttributeKind.BinarySet:
            {
                var binaries = value.BinarySetArray;
                var result = new AttributeValue[binaries.Length];
                for (var i = 0; i < binaries.Length; i++)
                {
                    result[i] = AttributeValue.OwnedBinary(binaries[i]);
                }

                return result;
            }

            default:
                return null;
        }
    }
}
