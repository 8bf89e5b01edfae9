namespace KvDb.Expressions;

public sealed partial class UpdateExpression
{
    /// <summary>
    /// Applies the update to an item's attributes (pass just the key attributes when the item does not exist yet).
    /// As in DynamoDB, every operand is read from the attributes as they were before the update, list indexes refer
    /// to the original positions, <c>SET list[i]</c> past the end appends (in index order), and removing list
    /// elements shifts the later ones. Throws <see cref="KvDbException"/> with <see cref="KvErrorCode.InvalidUpdate"/>
    /// when a path cannot be written (missing parent, key into a non-map, index into a non-list), an operand refers
    /// to a missing attribute, or an operand has the wrong type; arithmetic overflow throws
    /// <see cref="KvErrorCode.InvalidNumber"/>.
    /// </summary>
    public UpdateOutcome Apply(AttributeMap current)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (_actions.Length == 0)
        {
            return new UpdateOutcome(current, []);
        }

        // Phase 1: compute every new value from the original attributes. A null value means "remove".
        var newValues = new AttributeValue?[_actions.Length];
        for (var i = 0; i < _actions.Length; i++)
        {
            var action = _actions[i];
            newValues[i] = action.Kind switch
            {
                UpdateActionKind.Set => action.Value!.Evaluate(current),
                UpdateActionKind.Add => ApplyAdd(action.Path, action.Path.Resolve(current), action.Operand!),
                UpdateActionKind.Delete => ApplyDelete(action.Path, action.Path.Resolve(current), action.Operand!),
                _ => null,
            };
        }

        // Phase 2: write them into a copy that converts maps and lists to mutable nodes along the touched paths.
        var root = new MapNode(current);
        var updated = new List<AttributePath>(_actions.Length);
        for (var i = 0; i < _actions.Length; i++)
        {
            var path = _actions[i].Path;
            var parent = FindParent(root, path);
            var last = path[path.Count - 1];
            if (newValues[i] is { } value)
            {
                WriteChild(parent, last, value, path);
                updated.Add(path);
            }
            else if (RemoveChild(parent, last, path))
            {
                updated.Add(path);
            }
        }

        return new UpdateOutcome(root.Freeze(), updated.AsReadOnly());
    }

    private static AttributeValue ApplyAdd(AttributePath path, AttributeValue? existing, AttributeValue operand)
    {
        if (existing is null)
        {
            return operand;
        }

        if (existing.Kind == operand.Kind)
        {
            switch (existing.Kind)
            {
                case AttributeKind.Number:
                    return AttributeValue.FromNumber(KvNumber.AddExact(existing.NumberUnchecked, operand.NumberUnchecked));
                case AttributeKind.StringSet:
                case AttributeKind.NumberSet:
                case AttributeKind.BinarySet:
                    return SetOperations.Union(existing, operand);
            }
        }

        throw new KvDbException(KvErrorCode.InvalidUpdate, ExpressionErrors.IncorrectDataType("ADD", path, existing.Kind, operand.Kind));
    }

    /// <summary>The set without the operand's elements; null when the attribute is missing or the set becomes empty.</summary>
    private static AttributeValue? ApplyDelete(AttributePath path, AttributeValue? existing, AttributeValue operand)
    {
        if (existing is null)
        {
            return null;
        }

        if (existing.Kind != operand.Kind)
        {
            throw new KvDbException(KvErrorCode.InvalidUpdate, ExpressionErrors.IncorrectDataType("DELETE", path, existing.Kind, operand.Kind));
        }

        return SetOperations.Difference(existing, operand);
    }

    /// <summary>The container node holding the last element of <paramref name="path"/>; every step before it must exist and be a map or list as the path says.</summary>
    private static object FindParent(MapNode root, AttributePath path)
    {
        object node = root;
        for (var i = 0; i < path.Count - 1; i++)
        {
            node = ChildContainer(node, path[i], path);
        }

        return node;
    }

    private static object ChildContainer(object node, PathElement element, AttributePath path)
    {
        switch (node)
        {
            case MapNode map when !element.IsIndex:
            {
                var i = map.IndexOf(element.Name!);
                if (i >= 0)
                {
                    return map.Values[i] = ToContainer(map.Values[i], path);
                }

                break;
            }

            case ListNode list when element.IsIndex && element.Index < list.OriginalCount:
                return list.Items[element.Index] = ToContainer(list.Items[element.Index], path);
        }

        throw new KvDbException(KvErrorCode.InvalidUpdate, ExpressionErrors.InvalidDocumentPath(path));
    }

    private static object ToContainer(object child, AttributePath path) => child switch
    {
        MapNode or ListNode => child,
        AttributeValue { Kind: AttributeKind.Map } map => new MapNode(map.MapUnchecked),
        AttributeValue { Kind: AttributeKind.List } list => new ListNode(list.ListArray),
        _ => throw new KvDbException(KvErrorCode.InvalidUpdate, ExpressionErrors.InvalidDocumentPath(path)),
    };

    private static void WriteChild(object parent, PathElement element, AttributeValue value, AttributePath path)
    {
        switch (parent)
        {
            case MapNode map when !element.IsIndex:
                map.Set(element.Name!, value);
                return;
            case ListNode list when element.IsIndex:
                list.Set(element.Index, value);
                return;
            default:
                throw new KvDbException(KvErrorCode.InvalidUpdate, ExpressionErrors.InvalidDocumentPath(path));
        }
    }

    private static bool RemoveChild(object parent, PathElement element, AttributePath path) => parent switch
    {
        MapNode map when !element.IsIndex => map.Remove(element.Name!),
        ListNode list when element.IsIndex => list.Remove(element.Index),
        _ => throw new KvDbException(KvErrorCode.InvalidUpdate, ExpressionErrors.InvalidDocumentPath(path)),
    };

    /// <summary>A map being updated. Values are <see cref="AttributeValue"/>s, or nodes where the update descends.</summary>
    private sealed class MapNode
    {
        private readonly List<string> _names;

        public MapNode(AttributeMap map)
        {
            _names = new List<string>(map.Count + 4);
            Values = new List<object>(map.Count + 4);
            for (var i = 0; i < map.Count; i++)
            {
                _names.Add(map.NameAt(i));
                Values.Add(map.ValueAt(i));
            }
        }

        public List<object> Values { get; }

        public int IndexOf(string name)
        {
            for (var i = 0; i < _names.Count; i++)
            {
                if (string.Equals(_names[i], name, StringComparison.Ordinal))
                {
                    return i;
                }
            }

            return -1;
        }

        /// <summary>Replaces in place, or appends a new entry.</summary>
        public void Set(string name, AttributeValue value)
        {
            var i = IndexOf(name);
            if (i >= 0)
            {
                Values[i] = value;
            }
            else
            {
                _names.Add(name);
                Values.Add(value);
            }
        }

        public bool Remove(string name)
        {
            var i = IndexOf(name);
            if (i < 0)
            {
                return false;
            }

            _names.RemoveAt(i);
            Values.RemoveAt(i);
            return true;
        }

        public AttributeMap Freeze()
        {
            var values = new AttributeValue[Values.Count];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = FreezeValue(Values[i]);
            }

            return new AttributeMap([.. _names], values);
        }
    }

    /// <summary>
    /// A list being updated. Indexes always refer to the original elements: replacements happen in place, removals
    /// are marked, and writes past the end are kept by index and appended in index order when frozen.
    /// </summary>
    private sealed class ListNode
    {
        private SortedDictionary<int, AttributeValue>? _appends;
        private HashSet<int>? _removed;

        public ListNode(AttributeValue[] items)
        {
            Items = new List<object>(items);
            OriginalCount = items.Length;
        }

        public List<object> Items { get; }

        public int OriginalCount { get; }

        public void Set(int index, AttributeValue value)
        {
            if (index < OriginalCount)
            {
                Items[index] = value;
            }
            else
            {
                (_appends ??= [])[index] = value;
            }
        }

        public bool Remove(int index) => index < OriginalCount && (_removed ??= []).Add(index);

        public AttributeValue Freeze()
        {
            var result = new List<AttributeValue>(Items.Count + (_appends?.Count ?? 0));
            for (var i = 0; i < Items.Count; i++)
            {
                if (_removed is null || !_removed.Contains(i))
                {
                    result.Add(FreezeValue(Items[i]));
                }
            }

            if (_appends is not null)
            {
                result.AddRange(_appends.Values);
            }

            return AttributeValue.OwnedList([.. result]);
        }
    }

    private static AttributeValue FreezeValue(object value) => value switch
    {
        AttributeValue v => v,
        MapNode map => AttributeValue.FromMap(map.Freeze()),
        _ => ((ListNode)value).Freeze(),
    };
}

/// <summary>Union and difference of SS, NS and BS values of the same kind (numbers compare numerically).</summary>
internal static class SetOperations
{
    public static AttributeValue Union(AttributeValue existing, AttributeValue added)
    {
        switch (existing.Kind)
        {
            case AttributeKind.StringSet:
            {
                var seen = new HashSet<string>(existing.StringSetArray, StringComparer.Ordinal);
                var result = new List<string>(existing.StringSetArray);
                foreach (var s in added.StringSetArray)
                {
                    if (seen.Add(s))
                    {
                        result.Add(s);
                    }
                }

                return AttributeValue.OwnedStringSet([.. result]);
            }

            case AttributeKind.NumberSet:
            {
                var seen = new HashSet<KvNumber>(existing.NumberSetArray);
                var result = new List<KvNumber>(existing.NumberSetArray);
                foreach (var n in added.NumberSetArray)
                {
                    if (seen.Add(n))
                    {
                        result.Add(n);
                    }
                }

                return AttributeValue.OwnedNumberSet([.. result]);
            }

            default:
            {
                var result = new List<byte[]>(existing.BinarySetArray);
                foreach (var b in added.BinarySetArray)
                {
                    if (IndexOf(result, b) < 0)
                    {
                        result.Add(b);
                    }
                }

                return AttributeValue.OwnedBinarySet([.. result]);
            }
        }
    }

    /// <summary>The elements of <paramref name="existing"/> not in <paramref name="removed"/>; null when none remain.</summary>
    public static AttributeValue? Difference(AttributeValue existing, AttributeValue removed)
    {
        switch (existing.Kind)
        {
            case AttributeKind.StringSet:
            {
                var drop = new HashSet<string>(removed.StringSetArray, StringComparer.Ordinal);
                var result = existing.StringSetArray.Where(s => !drop.Contains(s)).ToArray();
                return result.Length == 0 ? null : AttributeValue.OwnedStringSet(result);
            }

            case AttributeKind.NumberSet:
            {
                var drop = new HashSet<KvNumber>(removed.NumberSetArray);
                var result = existing.NumberSetArray.Where(n => !drop.Contains(n)).ToArray();
                return result.Length == 0 ? null : AttributeValue.OwnedNumberSet(result);
            }

            default:
            {
                var drop = new List<byte[]>(removed.BinarySetArray);
                var result = existing.BinarySetArray.Where(b => IndexOf(drop, b) < 0).ToArray();
                return result.Length == 0 ? null : AttributeValue.OwnedBinarySet(result);
            }
        }
    }

    private static int IndexOf(List<byte[]> list, byte[] value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i].AsSpan().SequenceEqual(value))
            {
                return i;
            }
        }

        return -1;
    }
}
