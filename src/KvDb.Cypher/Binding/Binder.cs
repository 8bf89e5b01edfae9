using KvDb.Cypher.Ast;
using KvDb.Cypher.Execution;
using KvDb.Cypher.Parsing;

namespace KvDb.Cypher.Binding;

/// <summary>What a variable holds, as far as the binder knows.</summary>
internal enum VariableKind : byte
{
    Any,
    Node,
    Relationship,
    Path,
}

/// <summary>
/// Resolves variables clause by clause and rejects meaningless queries before anything runs: undefined or
/// rebound variables, unknown functions and wrong argument counts, misplaced aggregates, CREATE/MERGE patterns
/// without exactly one relationship type and direction, WITH expressions without aliases, UNION parts with
/// different columns, and queries that end without RETURN or an update. Errors are compile-time
/// (<see cref="CypherErrorClass.SyntaxError"/> with a detail, as openCypher classifies them).
/// </summary>
internal static class Binder
{
    public static void Bind(CypherStatement statement)
    {
        IReadOnlyList<string>? columns = null;
        foreach (var query in statement.Queries)
        {
            var result = BindSingle(query);
            if (columns is not null && !columns.SequenceEqual(result))
            {
                throw ErrorMessages.Compile(CypherErrorCode.InvalidClauseComposition, "All sub queries in an UNION must have the same return column names");
            }

            columns = result;
        }
    }

    private static IReadOnlyList<string> BindSingle(SingleQuery query)
    {
        var scope = new Dictionary<string, VariableKind>(StringComparer.Ordinal);
        IReadOnlyList<string> columns = [];
        for (var i = 0; i < query.Clauses.Count; i++)
        {
            var clause = query.Clauses[i];
            switch (clause)
            {
                case MatchClause m:
                    BindPattern(m.Pattern, scope, creating: false);
                    if (m.Where is not null)
                    {
                        CheckExpr(m.Where, scope, allowAggregates: false);
                    }

                    break;
                case UnwindClause u:
                    CheckExpr(u.Source, scope, allowAggregates: false);
                    Declare(scope, u.Variable, VariableKind.Any);
                    break;
                case WithClause w:
                    scope = BindProjection(w.Body, scope, isWith: true, out _);
                    if (w.Where is not null)
                    {
                        CheckExpr(w.Where, scope, allowAggregates: false);
                    }

                    break;
                case ReturnClause r:
                    BindProjection(r.Body, scope, isWith: false, out columns);
                    break;
                case CreateClause c:
                    BindPattern(c.Pattern, scope, creating: true);
                    break;
                case MergeClause mg:
                    BindPattern([mg.Pattern], scope, creating: true);
                    foreach (var item in mg.OnCreate.Concat(mg.OnMatch))
                    {
                        CheckSetItem(item, scope);
                    }

                    break;
                case SetClause s:
                    foreach (var item in s.Items)
                    {
                        CheckSetItem(item, scope);
                    }

                    break;
                case RemoveClause rm:
                    foreach (var item in rm.Items)
                    {
                        switch (item)
                        {
                            case RemovePropertyItem p: CheckExpr(p.Property, scope, false); break;
                            case RemoveLabelsItem l: Require(scope, l.Variable); break;
                        }
                    }

                    break;
                case DeleteClause d:
                    foreach (var e in d.Targets)
                    {
                        CheckExpr(e, scope, allowAggregates: false);
                    }

                    break;
            }
        }

        var last = query.Clauses[^1];
        if (last is MatchClause or WithClause or UnwindClause)
        {
            throw ErrorMessages.Compile(CypherErrorCode.InvalidClauseComposition,
                "Query cannot conclude with " + (last is MatchClause ? "MATCH" : last is WithClause ? "WITH" : "UNWIND") + " (must be a RETURN clause, an update clause)");
        }

        return columns;
    }

    private static void CheckSetItem(SetItem item, Dictionary<string, VariableKind> scope)
    {
        switch (item)
        {
            case SetPropertyItem p:
                CheckExpr(p.Property, scope, false);
                CheckExpr(p.Value, scope, false);
                break;
            case SetVariableItem v:
                Require(scope, v.Variable);
                CheckExpr(v.Value, scope, false);
                break;
            case SetLabelsItem l:
                Require(scope, l.Variable);
                break;
        }
    }

    private static Dictionary<string, VariableKind> BindProjection(ProjectionBody body, Dictionary<string, VariableKind> scope, bool isWith, out IReadOnlyList<string> columns)
    {
        var result = new Dictionary<string, VariableKind>(StringComparer.Ordinal);
        var names = new List<string>();
        if (body.Star)
        {
            var visible = scope.Keys.Where(k => !k.StartsWith(' ')).Order(StringComparer.Ordinal).ToList();
            if (visible.Count == 0)
            {
                throw ErrorMessages.Compile(CypherErrorCode.InvalidClauseComposition, "RETURN * is not allowed when there are no variables in scope");
            }

            foreach (var k in visible)
            {
                result[k] = scope[k];
                names.Add(k);
            }
        }

        var aggregating = false;
        foreach (var item in body.Items)
        {
            CheckExpr(item.Expression, scope, allowAggregates: true);
            aggregating |= ContainsAggregate(item.Expression);
            if (isWith && item.Alias is null && item.Expression is not VariableExpr)
            {
                throw ErrorMessages.Compile(CypherErrorCode.InvalidClauseComposition, $"Expression in WITH must be aliased (use AS): {item.Expression}");
            }

            if (names.Contains(item.Name))
            {
                throw ErrorMessages.Compile(CypherErrorCode.VariableAlreadyBound, $"Multiple result columns with the same name are not supported: {item.Name}");
            }

            names.Add(item.Name);
            result[item.Name] = item.Expression is VariableExpr v && scope.TryGetValue(v.Name, out var kind) ? kind : VariableKind.Any;
        }

        // ORDER BY sees the projected names and, unless the projection aggregates or is DISTINCT, the old ones too.
        var orderScope = new Dictionary<string, VariableKind>(result, StringComparer.Ordinal);
        if (!aggregating && !body.Distinct)
        {
            foreach (var (k, v) in scope)
            {
                orderScope.TryAdd(k, v);
            }
        }

        foreach (var sort in body.OrderBy)
        {
            var projected = body.Items.Any(i => i.Expression.Equals(sort.Expression));
            if (!projected)
            {
                CheckExpr(sort.Expression, orderScope, allowAggregates: aggregating);
            }
        }

        foreach (var e in new[] { body.Skip, body.Limit })
        {
            if (e is not null)
            {
                CheckExpr(e, new Dictionary<string, VariableKind>(), allowAggregates: false);
            }
        }

        columns = names;
        return result;
    }

    private static void BindPattern(IReadOnlyList<PatternPart> parts, Dictionary<string, VariableKind> scope, bool creating)
    {
        var relsInPattern = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in parts)
        {
            foreach (var node in part.Nodes())
            {
                if (node.Properties is not null)
                {
                    CheckExpr(node.Properties, scope, false);
                }

                if (node.Variable is null)
                {
                    continue;
                }

                if (scope.TryGetValue(node.Variable, out var kind))
                {
                    if (kind is VariableKind.Relationship or VariableKind.Path)
                    {
                        throw ErrorMessages.Compile(CypherErrorCode.VariableTypeConflict, $"Type mismatch: {node.Variable} defined with conflicting type {kind} (expected Node)", node.Variable);
                    }

                    if (creating && (node.Labels.Count > 0 || node.Properties is not null) && !IsDeclaredInThisPattern(node.Variable, parts, node))
                    {
                        throw ErrorMessages.Compile(CypherErrorCode.VariableAlreadyBound, ErrorMessages.VariableAlreadyBound(node.Variable), node.Variable);
                    }
                }

                scope[node.Variable] = VariableKind.Node;
            }

            foreach (var step in part.Steps)
            {
                var rel = step.Relationship;
                if (rel.Properties is not null)
                {
                    CheckExpr(rel.Properties, scope, false);
                }

                if (creating)
                {
                    if (rel.Types.Count != 1)
                    {
                        throw ErrorMessages.Compile(CypherErrorCode.InvalidRelationshipPattern, "Exactly one relationship type must be specified for CREATE and MERGE");
                    }

                    if (rel.Range is not null)
                    {
                        throw ErrorMessages.Compile(CypherErrorCode.InvalidRelationshipPattern, "Variable length relationships cannot be used in CREATE or MERGE");
                    }
                }

                if (rel.Variable is null)
                {
                    continue;
                }

                if (!relsInPattern.Add(rel.Variable) || (creating && scope.ContainsKey(rel.Variable)))
                {
                    throw ErrorMessages.Compile(CypherErrorCode.VariableAlreadyBound, ErrorMessages.VariableAlreadyBound(rel.Variable), rel.Variable);
                }

                if (scope.TryGetValue(rel.Variable, out var kind) && kind is VariableKind.Node or VariableKind.Path)
                {
                    throw ErrorMessages.Compile(CypherErrorCode.VariableTypeConflict, $"Type mismatch: {rel.Variable} defined with conflicting type {kind} (expected Relationship)", rel.Variable);
                }

                scope[rel.Variable] = VariableKind.Relationship;
            }

            if (part.PathVariable is not null)
            {
                Declare(scope, part.PathVariable, VariableKind.Path);
            }
        }
    }

    private static bool IsDeclaredInThisPattern(string variable, IReadOnlyList<PatternPart> parts, NodePattern node) =>
        parts.SelectMany(p => p.Nodes()).TakeWhile(n => !ReferenceEquals(n, node)).Any(n => n.Variable == variable);

    private static void Declare(Dictionary<string, VariableKind> scope, string name, VariableKind kind)
    {
        if (scope.ContainsKey(name))
        {
            throw ErrorMessages.Compile(CypherErrorCode.VariableAlreadyBound, ErrorMessages.VariableAlreadyBound(name), name);
        }

        scope[name] = kind;
    }

    private static void Require(Dictionary<string, VariableKind> scope, string name)
    {
        if (!scope.ContainsKey(name))
        {
            throw ErrorMessages.Compile(CypherErrorCode.UndefinedVariable, ErrorMessages.UndefinedVariable(name), name);
        }
    }

    public static bool ContainsAggregate(Expr e) => e switch
    {
        CountStarExpr => true,
        FunctionExpr f when Functions.Aggregates.Contains(f.Name) => true,
        _ => Children(e).Any(ContainsAggregate),
    };

    public static IEnumerable<Expr> Children(Expr e) => e switch
    {
        PropertyExpr p => [p.Target],
        ListExpr l => l.Items,
        MapExpr m => m.Entries.Select(x => x.Value),
        UnaryExpr u => [u.Operand],
        BinaryExpr b => [b.Left, b.Right],
        IsNullExpr n => [n.Operand],
        HasLabelsExpr h => [h.Target],
        IndexExpr i => [i.Target, i.Index],
        SliceExpr s => new[] { s.Target, s.From, s.To }.OfType<Expr>(),
        FunctionExpr f => f.Args,
        CaseExpr c => new[] { c.Subject, c.Else }.OfType<Expr>().Concat(c.Alternatives.SelectMany(a => new[] { a.When, a.Then })),
        ListComprehensionExpr lc => new[] { lc.Source, lc.Where, lc.Projection }.OfType<Expr>(),
        _ => [],
    };

    private static void CheckExpr(Expr e, Dictionary<string, VariableKind> scope, bool allowAggregates)
    {
        switch (e)
        {
            case VariableExpr v:
                Require(scope, v.Name);
                return;
            case CountStarExpr:
                if (!allowAggregates)
                {
                    throw ErrorMessages.Compile(CypherErrorCode.InvalidAggregation, "Invalid use of aggregating function count(...) in this context");
                }

                return;
            case FunctionExpr f:
                if (Functions.Aggregates.Contains(f.Name))
                {
                    if (!allowAggregates)
                    {
                        throw ErrorMessages.Compile(CypherErrorCode.InvalidAggregation, $"Invalid use of aggregating function {f.Name}(...) in this context", f.Name);
                    }

                    if (f.Args.Count != 1)
                    {
                        throw ErrorMessages.Compile(CypherErrorCode.WrongNumberOfArguments, $"{f.Name}() takes exactly one argument");
                    }

                    if (ContainsAggregate(f.Args[0]))
                    {
                        throw ErrorMessages.Compile(CypherErrorCode.InvalidAggregation, "Can't use aggregate functions inside of aggregate functions.");
                    }

                    CheckExpr(f.Args[0], scope, false);
                    return;
                }

                if (!Functions.Scalars.TryGetValue(f.Name, out var arity))
                {
                    throw ErrorMessages.Compile(CypherErrorCode.UnknownFunction, $"Unknown function '{f.Name}'", f.Name);
                }

                if (f.Args.Count < arity.Min || f.Args.Count > arity.Max)
                {
                    throw ErrorMessages.Compile(CypherErrorCode.WrongNumberOfArguments, $"Function {f.Name}() got {f.Args.Count} argument(s); it takes {(arity.Min == arity.Max ? arity.Min.ToString(System.Globalization.CultureInfo.InvariantCulture) : arity.Min + " or more")}", f.Name);
                }

                if (f.Distinct)
                {
                    throw ErrorMessages.Compile(CypherErrorCode.InvalidAggregation, $"DISTINCT is only allowed in aggregating functions, not in {f.Name}()");
                }

                break;
            case ListComprehensionExpr lc:
                CheckExpr(lc.Source, scope, allowAggregates);
                var inner = new Dictionary<string, VariableKind>(scope, StringComparer.Ordinal) { [lc.Variable] = VariableKind.Any };
                if (lc.Where is not null)
                {
                    CheckExpr(lc.Where, inner, false);
                }

                if (lc.Projection is not null)
                {
                    CheckExpr(lc.Projection, inner, allowAggregates);
                }

                return;
        }

        foreach (var child in Children(e))
        {
            CheckExpr(child, scope, allowAggregates);
        }
    }
}
