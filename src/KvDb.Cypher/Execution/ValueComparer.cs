using System.Globalization;

namespace KvDb.Cypher.Execution;

/// <summary>Cypher equality (three-valued), comparison and the total order used by ORDER BY, DISTINCT and grouping.</summary>
internal static class CypherCompare
{
    /// <summary><c>a = b</c>: null when either side is null (or a list element comparison is undecided).</summary>
    public static bool? Equal(object? a, object? b)
    {
        if (a is null || b is null)
        {
            return null;
        }

        switch (a)
        {
            case long x when b is long y: return x == y;
            case long x when b is double y: return x == y;
            case double x when b is long y: return x == y;
            case double x when b is double y: return x == y;
            case string x when b is string y: return string.Equals(x, y, StringComparison.Ordinal);
            case bool x when b is bool y: return x == y;
            case NodeRef x when b is NodeRef y: return x.Id == y.Id;
            case RelRef x when b is RelRef y: return x.Id == y.Id;
            case PathValue x when b is PathValue y: return x.Equals(y);
            case IReadOnlyDictionary<string, object?> x when b is IReadOnlyDictionary<string, object?> y:
                {
                    if (x.Count != y.Count)
                    {
                        return false;
                    }

                    bool? result = true;
                    foreach (var (k, v) in x)
                    {
                        if (!y.TryGetValue(k, out var w))
                        {
                            return false;
                        }

                        var e = Equal(v, w);
                        if (e == false)
                        {
                            return false;
                        }

                        if (e is null)
                        {
                            result = null;
                        }
                    }

                    return result;
                }

            case IReadOnlyList<object?> x when b is IReadOnlyList<object?> y:
                {
                    if (x.Count != y.Count)
                    {
                        return false;
                    }

                    bool? result = true;
                    for (var i = 0; i < x.Count; i++)
                    {
                        var e = Equal(x[i], y[i]);
                        if (e == false)
                        {
                            return false;
                        }

                        if (e is null)
                        {
                            result = null;
                        }
                    }

                    return result;
                }

            default:
                return false;
        }
    }

    /// <summary><c>a &lt; b</c> and friends: the sign of the comparison, or null when the values are not comparable.</summary>
    public static int? Compare(object? a, object? b)
    {
        switch (a)
        {
            case null:
                return null;
            case long x when b is long y: return x.CompareTo(y);
            case long x when b is double y: return double.IsNaN(y) ? null : ((double)x).CompareTo(y);
            case double x when b is long y: return double.IsNaN(x) ? null : x.CompareTo(y);
            case double x when b is double y: return double.IsNaN(x) || double.IsNaN(y) ? null : x.CompareTo(y);
            case string x when b is string y: return Math.Sign(string.CompareOrdinal(x, y));
            case bool x when b is bool y: return x.CompareTo(y);
            case IReadOnlyList<object?> x when b is IReadOnlyList<object?> y:
                for (var i = 0; i < Math.Min(x.Count, y.Count); i++)
                {
                    var c = Compare(x[i], y[i]);
                    if (c != 0)
                    {
                        return c;
                    }
                }

                return x.Count.CompareTo(y.Count);
            default:
                return null;
        }
    }

    /// <summary>Rank of a type in the ORDER BY order: map, node, relationship, list, path, string, boolean, number, null.</summary>
    private static int Rank(object? v) => v switch
    {
        IReadOnlyDictionary<string, object?> => 0,
        NodeRef => 1,
        RelRef => 2,
        IReadOnlyList<object?> => 3,
        PathValue => 4,
        string => 5,
        bool => 6,
        long or double => 7,
        null => 9,
        _ => 8,
    };

    /// <summary>A total order over all values (ORDER BY ascending; nulls last).</summary>
    public static int OrderCompare(object? a, object? b)
    {
        var ra = Rank(a);
        var rb = Rank(b);
        if (ra != rb)
        {
            return ra.CompareTo(rb);
        }

        switch (a)
        {
            case null:
                return 0;
            case long or double:
                {
                    var da = ToDouble(a);
                    var db = ToDouble(b!);
                    if (double.IsNaN(da) || double.IsNaN(db))
                    {
                        return double.IsNaN(da).CompareTo(double.IsNaN(db));
                    }

                    if (a is long la && b is long lb)
                    {
                        return la.CompareTo(lb);
                    }

                    return da.CompareTo(db);
                }

            case string s: return Math.Sign(string.CompareOrdinal(s, (string)b!));
            case bool x: return x.CompareTo((bool)b!);
            case NodeRef n: return n.Id.CompareTo(((NodeRef)b!).Id);
            case RelRef r: return r.Id.CompareTo(((RelRef)b!).Id);
            case PathValue p:
                {
                    var q = (PathValue)b!;
                    var c = OrderCompareLists(p.Nodes.Cast<object?>().ToList(), q.Nodes.Cast<object?>().ToList());
                    return c != 0 ? c : OrderCompareLists(p.Relationships.Cast<object?>().ToList(), q.Relationships.Cast<object?>().ToList());
                }

            case IReadOnlyList<object?> l: return OrderCompareLists(l, (IReadOnlyList<object?>)b!);
            case IReadOnlyDictionary<string, object?> m:
                {
                    var n = (IReadOnlyDictionary<string, object?>)b!;
                    var ka = m.Keys.Order(StringComparer.Ordinal).ToList();
                    var kb = n.Keys.Order(StringComparer.Ordinal).ToList();
                    var c = OrderCompareLists(ka.Cast<object?>().ToList(), kb.Cast<object?>().ToList());
                    return c != 0 ? c : OrderCompareLists(ka.Select(k => m[k]).ToList(), kb.Select(k => n[k]).ToList());
                }

            default:
                return 0;
        }
    }

    private static int OrderCompareLists(IReadOnlyList<object?> a, IReadOnlyList<object?> b)
    {
        for (var i = 0; i < Math.Min(a.Count, b.Count); i++)
        {
            var c = OrderCompare(a[i], b[i]);
            if (c != 0)
            {
                return c;
            }
        }

        return a.Count.CompareTo(b.Count);
    }

    public static double ToDouble(object v) => v is long l ? l : (double)v;

    /// <summary>Equivalence for DISTINCT and grouping: like <see cref="Equal"/> but null equals null and 1 equals 1.0.</summary>
    public sealed class Equivalence : IEqualityComparer<object?>
    {
        public static readonly Equivalence Instance = new();

        public new bool Equals(object? x, object? y) => OrderCompare(x, y) == 0 && Rank(x) == Rank(y);

        public int GetHashCode(object? obj) => obj switch
        {
            null => 0,
            long l => ((double)l).GetHashCode(),
            double d => d.GetHashCode(),
            string s => StringComparer.Ordinal.GetHashCode(s),
            bool b => b ? 1 : 2,
            NodeRef n => n.Id.GetHashCode(),
            RelRef r => r.Id.GetHashCode() * 31,
            PathValue p => p.GetHashCode(),
            IReadOnlyDictionary<string, object?> m => m.Count,
            IReadOnlyList<object?> l => l.Aggregate(l.Count, (h, v) => (h * 31) + GetHashCode(v)),
            _ => obj.GetHashCode(),
        };
    }

    /// <summary>Equivalence of whole rows (lists of values).</summary>
    public sealed class RowEquivalence : IEqualityComparer<object?[]>
    {
        public static readonly RowEquivalence Instance = new();

        public bool Equals(object?[]? x, object?[]? y)
        {
            if (x is null || y is null || x.Length != y.Length)
            {
                return x is null && y is null;
            }

            for (var i = 0; i < x.Length; i++)
            {
                if (!Equivalence.Instance.Equals(x[i], y[i]))
                {
                    return false;
                }
            }

            return true;
        }

        public int GetHashCode(object?[] obj)
        {
            var h = new HashCode();
            foreach (var v in obj)
            {
                h.Add(Equivalence.Instance.GetHashCode(v));
            }

            return h.ToHashCode();
        }
    }

    public static string Describe(object? v) => v switch
    {
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        _ => CypherValueText.Format(v),
    };
}
