using KvDb.Cypher.Ast;

namespace KvDb.Cypher.Execution.Operators;

/// <summary>
/// Computes the projection items. With <see cref="KeepInput"/> the input variables stay in the row (for an
/// ORDER BY that refers to them); <see cref="SelectOperator"/> drops them afterwards.
/// </summary>
internal sealed class ProjectOperator(Operator input, IReadOnlyList<(string Name, Expr Expression)> items, bool keepInput) : UnaryOperator(input)
{
    public bool KeepInput => keepInput;

    public override string Describe() => "Projection " + string.Join(", ", items.Select(i => i.Expression + (i.Expression.ToString() == i.Name ? "" : " AS " + i.Name)));

    public override async IAsyncEnumerable<Row> RunAsync(EvalContext ctx)
    {
        await foreach (var row in Input.RunAsync(ctx).ConfigureAwait(false))
        {
            var output = keepInput ? new Row(row) : new Row();
            foreach (var (name, expression) in items)
            {
                output[name] = await Evaluator.EvalAsync(expression, row, ctx).ConfigureAwait(false);
            }

            yield return output;
        }
    }

    /// <summary>
    /// The values of <paramref name="columns"/> (item names) for each row, when this projection ends the statement and
    /// <see cref="TryRun"/> would succeed: the same values without the projected rows, and over a count without its
    /// row either.
    /// </summary>
    public bool TryRunValues(EvalContext ctx, IReadOnlyList<string> columns, List<object?[]> output)
    {
        if (keepInput || ValueExpressions(columns) is not { } expressions)
        {
            return false;
        }

        if (Input is CountMatchOperator count)
        {
            foreach (var expression in expressions)
            {
                if (expression is VariableExpr variable && !count.Names.Contains(variable.Name))
                {
                    return false; // the evaluator reports it
                }
            }

            if (!count.TryCount(ctx, out var total))
            {
                return false;
            }

            object boxed = total;
            var counted = new object?[expressions.Length];
            for (var i = 0; i < counted.Length; i++)
            {
                counted[i] = expressions[i] is LiteralExpr literal ? literal.Value : boxed;
            }

            output.Add(counted);
            return true;
        }

        var input = new List<Row>();
        if (!Input.TryRun(ctx, input))
        {
            return false;
        }

        var values = new List<object?[]>(input.Count);
        foreach (var row in input)
        {
            var rowValues = new object?[expressions.Length];
            for (var i = 0; i < rowValues.Length; i++)
            {
                if (!TryValue(expressions[i], row, out rowValues[i]))
                {
                    return false;
                }
            }

            values.Add(rowValues);
        }

        output.AddRange(values);
        return true;
    }

    // The items of the statement's columns (the plan's, the same on every run), when all are variables or literals.
    private volatile Tuple<IReadOnlyList<string>, Expr[]>? _valueExpressions;

    private Expr[]? ValueExpressions(IReadOnlyList<string> columns)
    {
        if (_valueExpressions is { } known && ReferenceEquals(known.Item1, columns))
        {
            return known.Item2;
        }

        var expressions = new Expr[columns.Count];
        for (var i = 0; i < expressions.Length; i++)
        {
            foreach (var (name, expression) in items)
            {
                if (name == columns[i])
                {
                    expressions[i] = expression;
                }
            }

            if (expressions[i] is not (VariableExpr or LiteralExpr))
            {
                return null;
            }
        }

        _valueExpressions = Tuple.Create(columns, expressions);
        return expressions;
    }

    /// <summary>A literal's value, or a variable's in the row (false when the row lacks it: the evaluator reports that).</summary>
    private static bool TryValue(Expr expression, Row row, out object? value)
    {
        if (expression is LiteralExpr literal)
        {
            value = literal.Value;
            return true;
        }

        return row.TryGetValue(((VariableExpr)expression).Name, out value);
    }

    /// <summary>Items that are variables or literals over an input that runs synchronously.</summary>
    public override bool TryRun(EvalContext ctx, List<Row> output)
    {
        foreach (var (_, expression) in items)
        {
            if (expression is not (VariableExpr or LiteralExpr))
            {
                return false;
            }
        }

        var input = new List<Row>();
        if (!Input.TryRun(ctx, input))
        {
            return false;
        }

        var projected = new List<Row>(input.Count);
        foreach (var row in input)
        {
            var result = keepInput ? new Row(row) : new Row();
            foreach (var (name, expression) in items)
            {
                if (!TryValue(expression, row, out var value))
                {
                    return false;
                }

                result[name] = value;
            }

            projected.Add(result);
        }

        output.AddRange(projected);
        return true;
    }
}

/// <summary>Keeps only the named columns.</summary>
internal sealed class SelectOperator(Operator input, IReadOnlyList<string> columns) : UnaryOperator(input)
{
    public override string Describe() => "Select " + string.Join(", ", columns);

    public override async IAsyncEnumerable<Row> RunAsync(EvalContext ctx)
    {
        await foreach (var row in Input.RunAsync(ctx).ConfigureAwait(false))
        {
            var output = new Row();
            foreach (var c in columns)
            {
                output[c] = row[c];
            }

            yield return output;
        }
    }
}

/// <summary>Drops rows equal (by Cypher equivalence) to an earlier row on the given columns.</summary>
internal sealed class DistinctOperator(Operator input, IReadOnlyList<string> columns) : UnaryOperator(input)
{
    public override string Describe() => "Distinct " + string.Join(", ", columns);

    public override async IAsyncEnumerable<Row> RunAsync(EvalContext ctx)
    {
        var seen = new HashSet<object?[]>(CypherCompare.RowEquivalence.Instance);
        await foreach (var row in Input.RunAsync(ctx).ConfigureAwait(false))
        {
            if (seen.Add(columns.Select(c => row[c]).ToArray()))
            {
                yield return row;
            }
        }
    }
}
