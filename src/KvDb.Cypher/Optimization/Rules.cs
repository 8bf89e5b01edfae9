using KvDb.Cypher.Ast;

namespace KvDb.Cypher.Optimization;

/// <summary>
/// Named rewrite rules applied by the planner: <c>ConstantFolding</c> (boolean literals in AND/OR/NOT fold away,
/// so <c>WHERE true AND x</c> costs what <c>WHERE x</c> does) and <c>Substitute</c> (replace sub-expressions,
/// used to point ORDER BY and post-aggregation expressions at projected columns).
/// </summary>
internal static class Rules
{
    /// <summary>
    /// IdSeek: conjuncts <c>id(n) = e</c> of a MATCH's WHERE, where <c>e</c> uses only parameters, literals and
    /// variables bound before the MATCH, let the planner fetch <c>n</c> directly instead of scanning. The WHERE
    /// still runs afterwards, so the rule never changes results.
    /// </summary>
    public static IReadOnlyDictionary<string, Expr> IdSeeks(Expr? where, IReadOnlySet<string> bound)
    {
        var seeks = new Dictionary<string, Expr>(StringComparer.Ordinal);
        var pending = new Stack<Expr>();
        if (where is not null)
        {
            pending.Push(where);
        }

        while (pending.Count > 0)
        {
            switch (pending.Pop())
            {
                case BinaryExpr { Op: BinaryOp.And } and:
                    pending.Push(and.Left);
                    pending.Push(and.Right);
                    break;
                case BinaryExpr { Op: BinaryOp.Eq } eq:
                    foreach (var (side, other) in new[] { (eq.Left, eq.Right), (eq.Right, eq.Left) })
                    {
                        if (side is FunctionExpr { Args.Count: 1 } f && string.Equals(f.Name, "id", StringComparison.OrdinalIgnoreCase) &&
                            f.Args[0] is VariableExpr v && !bound.Contains(v.Name) && UsesOnly(other, bound))
                        {
                            seeks.TryAdd(v.Name, other);
                        }
                    }

                    break;
            }
        }

        return seeks;
    }

    /// <summary>
    /// IndexSeek candidates: conjuncts <c>n.p = e</c>, <c>n.p IN e</c>, <c>n.p STARTS WITH e</c> and comparisons
    /// (<c>n.p &lt; e</c>, <c>e &lt;= n.p</c>, ...; a lower and an upper bound of one property combine into one
    /// range) of a MATCH's WHERE, where <c>e</c> uses only parameters, literals and variables bound before the
    /// MATCH. The planner seeks an index with one of them when that is cheaper than the label scan; the WHERE still
    /// runs afterwards, so the rule never changes results.
    /// </summary>
    public static IReadOnlyDictionary<string, List<Planning.PropertySeek>> PropertySeeks(Expr? where, IReadOnlySet<string> bound)
    {
        var seeks = new Dictionary<string, List<Planning.PropertySeek>>(StringComparer.Ordinal);
        var ranges = new Dictionary<(string, string), (Expr? Lower, bool LowerInclusive, Expr? Upper, bool UpperInclusive)>();
        var pending = new Stack<Expr>();
        if (where is not null)
        {
            pending.Push(where);
        }

        while (pending.Count > 0)
        {
            if (pending.Pop() is not BinaryExpr b)
            {
                continue;
            }

            if (b.Op == BinaryOp.And)
            {
                pending.Push(b.Right);
                pending.Push(b.Left);
                continue;
            }

            foreach (var (side, other, mirrored) in new[] { (b.Left, b.Right, false), (b.Right, b.Left, true) })
            {
                if (side is not PropertyExpr { Target: VariableExpr v } p || bound.Contains(v.Name) || !UsesOnly(other, bound))
                {
                    continue;
                }

                switch (b.Op)
                {
                    case BinaryOp.Eq:
                        Add(v.Name, new Planning.PropertySeek(p.Key, Planning.SeekKind.Equal, other));
                        break;
                    case BinaryOp.In when !mirrored:
                        Add(v.Name, new Planning.PropertySeek(p.Key, Planning.SeekKind.In, other));
                        break;
                    case BinaryOp.StartsWith when !mirrored:
                        Add(v.Name, new Planning.PropertySeek(p.Key, Planning.SeekKind.Prefix, other));
                        break;
                    case BinaryOp.Lt or BinaryOp.Le or BinaryOp.Gt or BinaryOp.Ge:
                        {
                            // n.p < e is an upper bound; e < n.p (mirrored) a lower one.
                            var upper = (b.Op is BinaryOp.Lt or BinaryOp.Le) ^ mirrored;
                            var inclusive = b.Op is BinaryOp.Le or BinaryOp.Ge;
                            var r = ranges.GetValueOrDefault((v.Name, p.Key));
                            if (upper && r.Upper is null)
                            {
                                r = r with { Upper = other, UpperInclusive = inclusive };
                            }
                            else if (!upper && r.Lower is null)
                            {
                                r = r with { Lower = other, LowerInclusive = inclusive };
                            }

                            ranges[(v.Name, p.Key)] = r;
                            break;
                        }
                }
            }
        }

        foreach (var ((variable, property), r) in ranges)
        {
            Add(variable, new Planning.PropertySeek(property, Planning.SeekKind.Range, null, r.Lower, r.LowerInclusive, r.Upper, r.UpperInclusive));
        }

        return seeks;

        void Add(string variable, Planning.PropertySeek seek)
        {
            if (!seeks.TryGetValue(variable, out var list))
            {
                seeks[variable] = list = [];
            }

            list.Add(seek);
        }
    }

    /// <summary>
    /// PushDownPredicates: each AND-conjunct of a MATCH's WHERE becomes a <see cref="Planning.FilterStep"/> right
    /// after the step that binds the last variable it uses, so rows are dropped before further expansion
    /// (a WHERE over a cartesian product no longer builds the whole product first).
    /// </summary>
    public static Planning.MatchPlan PushDownPredicates(Planning.MatchPlan plan, Expr? where, IReadOnlySet<string> entryBound)
    {
        if (where is null)
        {
            return plan;
        }

        var conjuncts = new List<Expr>();
        var pending = new Stack<Expr>();
        pending.Push(where);
        while (pending.Count > 0)
        {
            var e = pending.Pop();
            if (e is BinaryExpr { Op: BinaryOp.And } and)
            {
                pending.Push(and.Right);
                pending.Push(and.Left);
            }
            else
            {
                conjuncts.Add(e);
            }
        }

        // boundAt[v] = index of the step after which v is bound (-1: bound before the MATCH).
        var boundAt = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var v in entryBound)
        {
            boundAt[v] = -1;
        }

        for (var i = 0; i < plan.Steps.Count; i++)
        {
            List<string?> names = plan.Steps[i] switch
            {
                Planning.NodeScanStep s => [s.Variable],
                Planning.ExpandStep x => [x.RelVariable, x.To, x.NodesVariable],
                Planning.HashJoinStep j => [.. j.Build.NewVariables],
                Planning.PathStep p => [p.PathVariable],
                _ => [],
            };
            foreach (var n in names.OfType<string>())
            {
                boundAt.TryAdd(n, i);
            }
        }

        var filtersAfter = new Dictionary<int, List<Expr>>();
        foreach (var c in conjuncts)
        {
            var position = Variables(c).Select(v => boundAt.TryGetValue(v, out var at) ? at : plan.Steps.Count - 1).DefaultIfEmpty(-1).Max();
            if (!filtersAfter.TryGetValue(position, out var list))
            {
                filtersAfter[position] = list = [];
            }

            list.Add(c);
        }

        var steps = new List<Planning.MatchStep>();
        steps.AddRange(filtersAfter.GetValueOrDefault(-1, []).Select(f => new Planning.FilterStep(f)));
        for (var i = 0; i < plan.Steps.Count; i++)
        {
            steps.Add(plan.Steps[i]);
            steps.AddRange(filtersAfter.GetValueOrDefault(i, []).Select(f => new Planning.FilterStep(f)));
        }

        return plan with { Steps = steps };
    }

    /// <summary>The free variables of an expression (list-comprehension variables are local).</summary>
    public static HashSet<string> Variables(Expr e)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        Collect(e, [], result);
        return result;

        static void Collect(Expr e, HashSet<string> local, HashSet<string> result)
        {
            switch (e)
            {
                case VariableExpr v:
                    if (!local.Contains(v.Name))
                    {
                        result.Add(v.Name);
                    }

                    return;
                case ListComprehensionExpr lc:
                    Collect(lc.Source, local, result);
                    var inner = new HashSet<string>(local, StringComparer.Ordinal) { lc.Variable };
                    foreach (var part in new[] { lc.Where, lc.Projection }.OfType<Expr>())
                    {
                        Collect(part, inner, result);
                    }

                    return;
                default:
                    foreach (var child in Binding.Binder.Children(e))
                    {
                        Collect(child, local, result);
                    }

                    return;
            }
        }
    }

    /// <summary>True when <paramref name="e"/> reads only literals, parameters and <paramref name="bound"/> variables (and is deterministic).</summary>
    public static bool UsesOnly(Expr e, IReadOnlySet<string> bound) => e switch
    {
        VariableExpr v => bound.Contains(v.Name),
        ListComprehensionExpr or CountStarExpr => false,
        FunctionExpr f when f.Name.Equals("rand", StringComparison.OrdinalIgnoreCase) => false,
        _ => Binding.Binder.Children(e).All(c => UsesOnly(c, bound)),
    };

    /// <summary>ConstantFolding over boolean connectives (null semantics preserved).</summary>
    public static Expr Simplify(Expr e) => Substitute(e, x => x switch
    {
        BinaryExpr { Op: BinaryOp.And, Left: LiteralExpr { Value: true } } b => Simplify(b.Right),
        BinaryExpr { Op: BinaryOp.And, Right: LiteralExpr { Value: true } } b => Simplify(b.Left),
        BinaryExpr { Op: BinaryOp.Or, Left: LiteralExpr { Value: false } } b => Simplify(b.Right),
        BinaryExpr { Op: BinaryOp.Or, Right: LiteralExpr { Value: false } } b => Simplify(b.Left),
        UnaryExpr { Op: UnaryOp.Not, Operand: LiteralExpr { Value: bool v } } => new LiteralExpr(!v),
        _ => null,
    });

    /// <summary>Rebuilds <paramref name="e"/> top-down; where <paramref name="replace"/> returns non-null, that replaces the sub-tree.</summary>
    public static Expr Substitute(Expr e, Func<Expr, Expr?> replace)
    {
        if (replace(e) is { } r)
        {
            return r;
        }

        return e switch
        {
            PropertyExpr p => p with { Target = Substitute(p.Target, replace) },
            ListExpr l => new ListExpr(l.Items.Select(i => Substitute(i, replace)).ToList()),
            MapExpr m => new MapExpr(m.Entries.Select(x => new MapEntry(x.Key, Substitute(x.Value, replace))).ToList()),
            UnaryExpr u => u with { Operand = Substitute(u.Operand, replace) },
            BinaryExpr b => b with { Left = Substitute(b.Left, replace), Right = Substitute(b.Right, replace) },
            IsNullExpr n => n with { Operand = Substitute(n.Operand, replace) },
            HasLabelsExpr h => h with { Target = Substitute(h.Target, replace) },
            IndexExpr i => new IndexExpr(Substitute(i.Target, replace), Substitute(i.Index, replace)),
            SliceExpr s => new SliceExpr(Substitute(s.Target, replace), s.From is null ? null : Substitute(s.From, replace), s.To is null ? null : Substitute(s.To, replace)),
            FunctionExpr f => f with { Args = f.Args.Select(a => Substitute(a, replace)).ToList() },
            CaseExpr c => new CaseExpr(
                c.Subject is null ? null : Substitute(c.Subject, replace),
                c.Alternatives.Select(a => new CaseAlternative(Substitute(a.When, replace), Substitute(a.Then, replace))).ToList(),
                c.Else is null ? null : Substitute(c.Else, replace)),
            ListComprehensionExpr lc => new ListComprehensionExpr(lc.Variable, Substitute(lc.Source, replace),
                lc.Where is null ? null : Substitute(lc.Where, replace), lc.Projection is null ? null : Substitute(lc.Projection, replace)),
            _ => e,
        };
    }
}
