namespace KvDb.Expressions;

internal sealed partial class ExpressionParser
{
    /// <summary>
    /// <c>update := clause+</c> with <c>clause := SET set-action (',' set-action)* | REMOVE path (',' path)*
    /// | ADD path :value (',' path :value)* | DELETE path :value (',' path :value)*</c>. Clauses may come in any
    /// order, each at most once; keywords are case-insensitive.
    /// </summary>
    public UpdateExpression ParseUpdateExpression()
    {
        ThrowIfEmpty();
        var actions = new List<UpdateAction>();
        var seen = new HashSet<ExpressionKeyword>();
        var first = true;
        while (Peek().Kind != ExpressionTokenKind.Eof)
        {
            var token = Peek();
            var clause = token.Kind == ExpressionTokenKind.Identifier ? token.Keyword : ExpressionKeyword.None;
            if (clause is not (ExpressionKeyword.Set or ExpressionKeyword.Remove or ExpressionKeyword.Add or ExpressionKeyword.Delete))
            {
                throw Expected(first ? "SET, REMOVE, ADD or DELETE" : "',', SET, REMOVE, ADD, DELETE or end of input");
            }

            if (!seen.Add(clause))
            {
                throw Error(token, KvErrorCode.ExpressionSyntax, ExpressionErrors.SectionTwice(Text(token).ToUpperInvariant()));
            }

            Next();
            first = false;
            do
            {
                actions.Add(clause switch
                {
                    ExpressionKeyword.Set => ParseSetAction(),
                    ExpressionKeyword.Remove => new UpdateAction(UpdateActionKind.Remove, ParsePath()),
                    ExpressionKeyword.Add => ParseAddOrDeleteAction(UpdateActionKind.Add),
                    _ => ParseAddOrDeleteAction(UpdateActionKind.Delete),
                });
            }
            while (Match(ExpressionTokenKind.Comma));
        }

        return UpdateExpression.Create(actions);
    }

    /// <summary><c>set-action := path '=' operand [('+' | '-') operand]</c>.</summary>
    private UpdateAction ParseSetAction()
    {
        var path = ParsePath();
        Expect(ExpressionTokenKind.Equal, "'='");
        var leftToken = Peek();
        var value = ParseSetOperand();
        var op = Peek();
        if (op.Kind is ExpressionTokenKind.Plus or ExpressionTokenKind.Minus)
        {
            CountOperator(Next());
            var rightToken = Peek();
            var right = ParseSetOperand();
            var symbol = op.Kind == ExpressionTokenKind.Plus ? "+" : "-";
            CheckNumberOperand(symbol, value, leftToken);
            CheckNumberOperand(symbol, right, rightToken);
            value = new ArithmeticUpdateOperand(value, op.Kind == ExpressionTokenKind.Minus, right);
        }

        return new UpdateAction(UpdateActionKind.Set, path, value);
    }

    private void CheckNumberOperand(string symbol, UpdateOperand operand, ExpressionToken token)
    {
        if (operand is ValueUpdateOperand { Value.Kind: not AttributeKind.Number } constant)
        {
            throw Error(token, KvErrorCode.InvalidExpression, ExpressionErrors.IncorrectOperandType(symbol, constant.Value.Kind));
        }
    }

    /// <summary><c>operand := path | :value | if_not_exists(path, operand) | list_append(operand, operand)</c>.</summary>
    private UpdateOperand ParseSetOperand()
    {
        var token = Peek();
        if (token.Kind == ExpressionTokenKind.ValuePlaceholder)
        {
            return new ValueUpdateOperand(ParseValue());
        }

        if (token.Kind == ExpressionTokenKind.Identifier && token.Keyword == ExpressionKeyword.None
            && Peek(1).Kind == ExpressionTokenKind.LeftParen)
        {
            return ParseSetFunction();
        }

        if (!AtPathStart())
        {
            throw Expected("an attribute path, a value placeholder or a function");
        }

        return new PathUpdateOperand(ParsePath());
    }

    private UpdateOperand ParseSetFunction()
    {
        using var _ = EnterDepth();
        var nameToken = Next();
        var name = Text(nameToken);
        if (!IsUpdateFunction(name))
        {
            throw InvalidFunction(nameToken, IsConditionFunction(name));
        }

        CountOperator(nameToken);
        Expect(ExpressionTokenKind.LeftParen, "'('");
        var args = new List<(UpdateOperand Operand, ExpressionToken Token)>(2);
        if (!Match(ExpressionTokenKind.RightParen))
        {
            do
            {
                var token = Peek();
                args.Add((ParseSetOperand(), token));
            }
            while (Match(ExpressionTokenKind.Comma));

            Expect(ExpressionTokenKind.RightParen, "',' or ')'");
        }

        RequireArgumentCount(nameToken, args.Count, 2);
        if (name == "if_not_exists")
        {
            if (args[0].Operand is not PathUpdateOperand path)
            {
                throw Error(args[0].Token, KvErrorCode.InvalidExpression, ExpressionErrors.RequiresPath(name));
            }

            return new IfNotExistsUpdateOperand(path.Path, args[1].Operand);
        }

        foreach (var (operand, token) in args)
        {
            if (operand is ListAppendUpdateOperand)
            {
                throw Error(token, KvErrorCode.InvalidExpression, ExpressionErrors.FunctionNotAllowed(name));
            }

            if (operand is ValueUpdateOperand { Value.Kind: not AttributeKind.List } constant)
            {
                throw Error(token, KvErrorCode.InvalidExpression, ExpressionErrors.IncorrectOperandType(name, constant.Value.Kind));
            }
        }

        return new ListAppendUpdateOperand(args[0].Operand, args[1].Operand);
    }

    /// <summary><c>add-action := path :value</c> (a number or a set); <c>delete-action := path :value</c> (a set).</summary>
    private UpdateAction ParseAddOrDeleteAction(UpdateActionKind kind)
    {
        var path = ParsePath();
        var token = Peek();
        if (token.Kind != ExpressionTokenKind.ValuePlaceholder)
        {
            throw Expected("a value placeholder (':name')");
        }

        var value = ParseValue();
        ThrowIfError(token, kind == UpdateActionKind.Add ? UpdateAction.CheckAddOperand(value) : UpdateAction.CheckDeleteOperand(value));
        return new UpdateAction(kind, path, operand: value);
    }
}
