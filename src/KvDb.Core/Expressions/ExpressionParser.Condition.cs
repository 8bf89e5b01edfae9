namespace KvDb.Expressions;

internal sealed partial class ExpressionParser
{
    /// <summary><c>condition-expression := condition EOF</c>.</summary>
    public Condition ParseConditionExpression()
    {
        ThrowIfEmpty();
        var condition = ParseCondition(0);
        if (Peek().Kind != ExpressionTokenKind.Eof)
        {
            throw Expected("AND, OR or end of input");
        }

        return condition;
    }

    /// <summary>
    /// Precedence climbing over <c>condition (OR|AND) condition</c>: parses a prefix, then every infix operator
    /// binding tighter than <paramref name="minPrecedence"/>; AND and OR are left-associative.
    /// </summary>
    private Condition ParseCondition(int minPrecedence)
    {
        using var _ = EnterDepth();
        var left = ParseConditionPrefix();
        for (var p = InfixPrecedence(Peek()); p > minPrecedence; p = InfixPrecedence(Peek()))
        {
            CountOperator(Next());
            var right = ParseCondition(p);
            left = LogicalCondition.Create(p == AndPrecedence, [left, right]);
        }

        return left;
    }

    private static int InfixPrecedence(ExpressionToken token) =>
        token.Kind != ExpressionTokenKind.Identifier ? 0 : token.Keyword switch
        {
            ExpressionKeyword.Or => OrPrecedence,
            ExpressionKeyword.And => AndPrecedence,
            _ => 0,
        };

    /// <summary>
    /// <c>prefix := NOT condition | '(' condition ')' | function | operand comparison-tail</c>; NOT binds tighter
    /// than AND and OR but looser than comparisons.
    /// </summary>
    private Condition ParseConditionPrefix()
    {
        var token = Peek();
        if (token.Kind == ExpressionTokenKind.Identifier && token.Keyword == ExpressionKeyword.Not)
        {
            CountOperator(Next());
            return new NotCondition(ParseCondition(NotPrecedence));
        }

        if (token.Kind == ExpressionTokenKind.LeftParen)
        {
            Next();
            var inner = ParseCondition(0);
            Expect(ExpressionTokenKind.RightParen, "AND, OR or ')'");
            return inner;
        }

        if (token.Kind == ExpressionTokenKind.Identifier && token.Keyword == ExpressionKeyword.None
            && Peek(1).Kind == ExpressionTokenKind.LeftParen)
        {
            return ParseFunctionCondition();
        }

        return ParseComparisonTail(ParseConditionOperand("a condition"), token);
    }

    /// <summary>
    /// <c>function := attribute_exists(path) | attribute_not_exists(path) | attribute_type(operand, :type)
    /// | begins_with(operand, operand) | contains(operand, operand) | size(path) comparison-tail</c>.
    /// Function names are case-sensitive, as in DynamoDB.
    /// </summary>
    private Condition ParseFunctionCondition()
    {
        var nameToken = Peek();
        var name = Text(nameToken);
        if (name == "size")
        {
            return ParseComparisonTail(ParseConditionOperand("a condition"), nameToken);
        }

        if (!IsConditionFunction(name))
        {
            throw InvalidFunction(nameToken, IsUpdateFunction(name));
        }

        Next();
        CountOperator(nameToken);
        var args = ParseConditionArguments();
        switch (name)
        {
            case "attribute_exists":
            case "attribute_not_exists":
                RequireArgumentCount(nameToken, args.Count, 1);
                if (args[0].Operand.Kind != OperandKind.Path)
                {
                    throw Error(args[0].Token, KvErrorCode.InvalidExpression, ExpressionErrors.RequiresPath(name));
                }

                return new AttributeExistsCondition(args[0].Operand.OperandPath!, exists: name == "attribute_exists");

            case "attribute_type":
            {
                RequireArgumentCount(nameToken, args.Count, 2);
                var (typeOperand, typeToken) = args[1];
                if (typeOperand.Kind != OperandKind.Value)
                {
                    throw Error(typeToken, KvErrorCode.InvalidExpression, ExpressionErrors.Expected("a value placeholder (':name')", Describe(typeToken)));
                }

                var typeValue = typeOperand.Constant!;
                if (typeValue.Kind != AttributeKind.String)
                {
                    throw Error(typeToken, KvErrorCode.InvalidExpression, ExpressionErrors.IncorrectOperandType(name, typeValue.Kind));
                }

                if (!AttributeKindNames.TryParseShortName(typeValue.StringUnchecked, out var kind))
                {
                    throw Error(typeToken, KvErrorCode.InvalidExpression, ExpressionErrors.InvalidTypeName(typeValue.StringUnchecked));
                }

                return new AttributeTypeCondition(args[0].Operand, kind);
            }

            case "begins_with":
                RequireArgumentCount(nameToken, args.Count, 2);
                ThrowIfError(args[0].Token, ConditionRules.CheckBeginsWith(args[0].Operand));
                ThrowIfError(args[1].Token, ConditionRules.CheckBeginsWith(args[1].Operand));
                return BeginsWithCondition.Create(args[0].Operand, args[1].Operand);

            default:
                RequireArgumentCount(nameToken, args.Count, 2);
                return ContainsCondition.Create(args[0].Operand, args[1].Operand);
        }
    }

    /// <summary><c>arguments := '(' [operand (',' operand)*] ')'</c>.</summary>
    private List<(ConditionOperand Operand, ExpressionToken Token)> ParseConditionArguments()
    {
        using var _ = EnterDepth();
        Expect(ExpressionTokenKind.LeftParen, "'('");
        var args = new List<(ConditionOperand, ExpressionToken)>(2);
        if (Match(ExpressionTokenKind.RightParen))
        {
            return args;
        }

        do
        {
            var token = Peek();
            args.Add((ParseConditionOperand("a function argument"), token));
        }
        while (Match(ExpressionTokenKind.Comma));

        Expect(ExpressionTokenKind.RightParen, "',' or ')'");
        return args;
    }

    /// <summary><c>operand := path | :value | size(path)</c>.</summary>
    private ConditionOperand ParseConditionOperand(string what)
    {
        var token = Peek();
        switch (token.Kind)
        {
            case ExpressionTokenKind.ValuePlaceholder:
                return ConditionOperand.ForValue(ParseValue());
            case ExpressionTokenKind.NamePlaceholder:
                return ConditionOperand.ForPath(ParsePath());
            case ExpressionTokenKind.Identifier when token.Keyword == ExpressionKeyword.None:
                if (Peek(1).Kind != ExpressionTokenKind.LeftParen)
                {
                    return ConditionOperand.ForPath(ParsePath());
                }

                var name = Text(token);
                if (name != "size")
                {
                    throw InvalidFunction(token, IsConditionFunction(name) || IsUpdateFunction(name));
                }

                Next();
                CountOperator(token);
                var args = ParseConditionArguments();
                RequireArgumentCount(token, args.Count, 1);
                if (args[0].Operand.Kind != OperandKind.Path)
                {
                    throw Error(args[0].Token, KvErrorCode.InvalidExpression, ExpressionErrors.RequiresPath("size"));
                }

                return ConditionOperand.ForSize(args[0].Operand.OperandPath!);
            default:
                throw Expected(what);
        }
    }

    /// <summary>
    /// <c>comparison-tail := comparator operand | BETWEEN operand AND operand | IN '(' operand (',' operand)* ')'</c>.
    /// Constants of a type the operator cannot use are rejected here, as DynamoDB does.
    /// </summary>
    private Condition ParseComparisonTail(ConditionOperand left, ExpressionToken leftToken)
    {
        var token = Peek();
        ComparisonOperator? comparator = token.Kind switch
        {
            ExpressionTokenKind.Equal => ComparisonOperator.Equal,
            ExpressionTokenKind.NotEqual => ComparisonOperator.NotEqual,
            ExpressionTokenKind.Less => ComparisonOperator.Less,
            ExpressionTokenKind.LessOrEqual => ComparisonOperator.LessOrEqual,
            ExpressionTokenKind.Greater => ComparisonOperator.Greater,
            ExpressionTokenKind.GreaterOrEqual => ComparisonOperator.GreaterOrEqual,
            _ => null,
        };

        if (comparator is { } op)
        {
            CountOperator(Next());
            var rightToken = Peek();
            var right = ParseConditionOperand("an operand");
            if (op is not (ComparisonOperator.Equal or ComparisonOperator.NotEqual))
            {
                var symbol = ComparisonCondition.Symbol(op);
                ThrowIfError(leftToken, ConditionRules.CheckOrderable(symbol, left));
                ThrowIfError(rightToken, ConditionRules.CheckOrderable(symbol, right));
            }

            return ComparisonCondition.Create(op, left, right);
        }

        if (token.Kind == ExpressionTokenKind.Identifier && token.Keyword == ExpressionKeyword.Between)
        {
            CountOperator(Next());
            var lowToken = Peek();
            var low = ParseConditionOperand("an operand");
            ExpectKeyword(ExpressionKeyword.And, "AND");
            var highToken = Peek();
            var high = ParseConditionOperand("an operand");
            ThrowIfError(leftToken, ConditionRules.CheckOrderable("BETWEEN", left));
            ThrowIfError(lowToken, ConditionRules.CheckOrderable("BETWEEN", low));
            ThrowIfError(highToken, ConditionRules.CheckOrderable("BETWEEN", high));
            ThrowIfError(lowToken, ConditionRules.CheckBetweenBounds(low, high));
            return BetweenCondition.Create(left, low, high);
        }

        if (token.Kind == ExpressionTokenKind.Identifier && token.Keyword == ExpressionKeyword.In)
        {
            CountOperator(Next());
            Expect(ExpressionTokenKind.LeftParen, "'('");
            var list = new List<ConditionOperand>();
            do
            {
                var itemToken = Peek();
                list.Add(ParseConditionOperand("an operand"));
                if (list.Count + 1 > ExpressionLimits.MaxInOperands)
                {
                    throw Error(itemToken, KvErrorCode.LimitExceeded, ExpressionErrors.TooManyInOperands(list.Count + 1));
                }
            }
            while (Match(ExpressionTokenKind.Comma));

            Expect(ExpressionTokenKind.RightParen, "',' or ')'");
            return InCondition.Create(left, [.. list]);
        }

        throw Expected("a comparison operator, BETWEEN or IN");
    }
}
