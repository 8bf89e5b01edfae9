namespace KvDb.Expressions;

/// <summary>
/// DynamoDB's rule that the paths an update writes (or a projection reads) must be independent: no path may be a
/// prefix of another (overlap: <c>a</c> and <c>a.b</c>, or the same path twice), and no two paths may treat the
/// same element as both a map and a list (conflict: <c>a.b</c> and <c>a[1]</c>).
/// </summary>
internal static class PathOverlap
{
    /// <summary>The overlap or conflict message for two paths, or null when they are independent.</summary>
    public static string? Check(AttributePath one, AttributePath two)
    {
        var n = Math.Min(one.Count, two.Count);
        for (var i = 0; i < n; i++)
        {
            var a = one[i];
            var b = two[i];
            if (a == b)
            {
                continue;
            }

            return a.IsIndex != b.IsIndex ? ExpressionErrors.Conflict(one, two) : null;
        }

        return ExpressionErrors.Overlap(one, two);
    }

    /// <summary>Throws <see cref="KvDbException"/> (<see cref="KvErrorCode.InvalidExpression"/>) for the first dependent pair, in order.</summary>
    public static void ThrowIfAny(IReadOnlyList<AttributePath> paths)
    {
        for (var j = 1; j < paths.Count; j++)
        {
            for (var i = 0; i < j; i++)
            {
                var message = Check(paths[i], paths[j]);
                if (message is not null)
                {
                    throw new KvDbException(KvErrorCode.InvalidExpression, message);
                }
            }
        }
    }
}
