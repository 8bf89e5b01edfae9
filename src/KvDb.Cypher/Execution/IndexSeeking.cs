using KvDb.Cypher.Planning;
using KvDb.Cypher.Storage;

namespace KvDb.Cypher.Execution;

/// <summary>Turns a property seek's values into ranges of index-entry keys (see <see cref="IndexKeys"/>).</summary>
internal static class IndexSeeking
{
    /// <summary>
    /// The key ranges holding every node the predicate can accept; empty when it accepts none (a null value, NaN,
    /// bounds of different types); null when a value is not indexable (a list, a map, a boolean bound...), and the
    /// caller scans the label instead, so such predicates behave exactly as without the index, errors included.
    /// </summary>
    public static async ValueTask<List<IndexRange>?> RangesAsync(PropertySeek seek, Row row, EvalContext ctx)
    {
        switch (seek.Kind)
        {
            case SeekKind.Equal:
                {
                    var value = await Evaluator.EvalAsync(seek.Value!, row, ctx).ConfigureAwait(false);
                    return value is null or double.NaN ? []
                        : IndexKeys.ValueKey(value) is { } key ? [IndexRange.Equal(key)]
                        : null;
                }

            case SeekKind.In:
                {
                    if (await Evaluator.EvalAsync(seek.Value!, row, ctx).ConfigureAwait(false) is not IReadOnlyList<object?> list)
                    {
                        return null;
                    }

                    var keys = new SortedSet<string>(IndexKeys.CodePointComparer.Instance);
                    foreach (var item in list)
                    {
                        if (item is null or double.NaN)
                        {
                            continue;
                        }

                        if (IndexKeys.ValueKey(item) is not { } key)
                        {
                            return null;
                        }

                        keys.Add(key);
                    }

                    return keys.Select(IndexRange.Equal).ToList();
                }

            case SeekKind.Prefix:
                return await Evaluator.EvalAsync(seek.Value!, row, ctx).ConfigureAwait(false) switch
                {
                    null => [],
                    string s => [IndexRange.Prefix(IndexKeys.StringKey(s))],
                    _ => null,
                };

            default:
                {
                    var lower = seek.Lower is null ? null : await Evaluator.EvalAsync(seek.Lower, row, ctx).ConfigureAwait(false);
                    var upper = seek.Upper is null ? null : await Evaluator.EvalAsync(seek.Upper, row, ctx).ConfigureAwait(false);
                    if ((seek.Lower is not null && lower is null) || (seek.Upper is not null && upper is null) || lower is double.NaN || upper is double.NaN)
                    {
                        return []; // a comparison with null or NaN is never true
                    }

                    var lowerFamily = Family(lower);
                    var upperFamily = Family(upper);
                    if (lowerFamily == '?' || upperFamily == '?')
                    {
                        return null;
                    }

                    if (lowerFamily != ' ' && upperFamily != ' ' && lowerFamily != upperFamily)
                    {
                        return []; // no value compares with both a number and a string
                    }

                    var family = lowerFamily != ' ' ? lowerFamily : upperFamily;
                    var low = lower is null ? family.ToString() : IndexKeys.ValueKey(lower) + IndexKeys.Separator;
                    var high = upper is null ? family + IndexKeys.MaxChar : IndexKeys.ValueKey(upper) + IndexKeys.AfterSeparator;
                    return [new IndexRange(low, high)];
                }
        }
    }

    // 'n' number, 's' string, ' ' absent, '?' not usable for a range seek.
    private static char Family(object? bound) => bound switch
    {
        null => ' ',
        long or double => 'n',
        string => 's',
        _ => '?',
    };
}
