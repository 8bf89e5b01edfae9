using System.Collections;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.ExceptionServices;
using KvDb.Expressions;

namespace KvDb.Mapping;

/// <summary>What a LINQ predicate translates to: at most one sort-key condition and a filter.</summary>
/// <param name="KeyCondition">The condition on the sort key the ordered storage answers, or null.</param>
/// <param name="Filter">The condition applied to the examined items, or null.</param>
internal readonly record struct PredicateTranslation(KeyCondition? KeyCondition, Condition? Filter);

/// <summary>
/// Translates <c>Expression&lt;Func&lt;T, bool&gt;&gt;</c> predicates into a sort-key condition and a filter
/// <see cref="Condition"/>, using the mapped attribute names and converters. The top-level conjuncts on the sort key
/// (==, &lt;, &lt;=, &gt;, &gt;=, StartsWith, and a &gt;= / &lt;= pair as BETWEEN) become the key condition, one of them
/// at most; everything else becomes the filter. Sub-expressions that do not involve the item are evaluated.
/// </summary>
internal sealed class PredicateTranslator
{
    private static readonly ValueConverter s_sizeConverter = ConverterFactory.TryGet(typeof(int))!;

    private readonly ParameterExpression _parameter;
    private readonly ObjectMapper _root;
    private readonly MemberMap? _sortKey;
    private readonly ScalarType? _sortKeyType;
    private readonly AttributePath _partitionKeyPath;

    private PredicateTranslator(ParameterExpression parameter, ObjectMapper root, MemberMap partitionKey, MemberMap? sortKey, ScalarType? sortKeyType)
    {
        _parameter = parameter;
        _root = root;
        _sortKey = sortKey;
        _sortKeyType = sortKeyType;
        _partitionKeyPath = AttributePath.Of(partitionKey.AttributeName);
    }

    /// <summary>Translates <paramref name="predicate"/>; throws <see cref="NotSupportedException"/> naming the sub-expression it cannot translate.</summary>
    /// <param name="predicate">A lambda of one parameter returning bool.</param>
    /// <param name="root">The mapper of the parameter's type.</param>
    /// <param name="partitionKey">The partition key member (every item has it, which expresses constant conditions).</param>
    /// <param name="sortKey">The sort key member, or null when no key condition may be produced.</param>
    /// <param name="sortKeyType">The sort key's scalar type.</param>
    public static PredicateTranslation Translate(LambdaExpression predicate, ObjectMapper root, MemberMap partitionKey, MemberMap? sortKey, ScalarType? sortKeyType)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var translator = new PredicateTranslator(predicate.Parameters[0], root, partitionKey, sortKey, sortKeyType);
        return translator.TranslateBody(predicate.Body);
    }

    private PredicateTranslation TranslateBody(Expression body)
    {
        var conjuncts = new List<Expression>();
        Flatten(body, conjuncts);

        KeyCondition? key = null;
        var used = new HashSet<int>();
        if (_sortKey is not null)
        {
            var parts = new List<(int Index, KeyOperator Operator, AttributeValue Value)>();
            for (var i = 0; i < conjuncts.Count; i++)
            {
                if (TryKeyPart(conjuncts[i], out var op, out var value))
                {
                    parts.Add((i, op, value));
                }
            }

            var lower = parts.FindIndex(p => p.Operator == KeyOperator.GreaterThanOrEqual);
            var upper = parts.FindIndex(p => p.Operator == KeyOperator.LessThanOrEqual);
            var equal = parts.FindIndex(p => p.Operator == KeyOperator.Equal);
            var prefix = parts.FindIndex(p => p.Operator == KeyOperator.BeginsWith);
            if (lower >= 0 && upper >= 0)
            {
                key = KeyCondition.Between(parts[lower].Value, parts[upper].Value);
                used.Add(parts[lower].Index);
                used.Add(parts[upper].Index);
            }
            else if (parts.Count > 0)
            {
                var chosen = parts[equal >= 0 ? equal : prefix >= 0 ? prefix : 0];
                key = new KeyCondition(chosen.Operator, chosen.Value);
                used.Add(chosen.Index);
            }
        }

        var filters = new List<Condition>();
        for (var i = 0; i < conjuncts.Count; i++)
        {
            if (used.Contains(i))
            {
                continue;
            }

            var conjunct = conjuncts[i];
            if (conjunct.Type == typeof(bool) && IsEvaluable(conjunct) && Evaluate(conjunct) is true)
            {
                continue;
            }

            filters.Add(Visit(conjunct));
        }

        var filter = filters.Count switch
        {
            0 => null,
            1 => filters[0],
            _ => Condition.And([.. filters]),
        };
        return new PredicateTranslation(key, filter);
    }

    private static void Flatten(Expression expression, List<Expression> conjuncts)
    {
        if (expression.NodeType == ExpressionType.AndAlso ||
            (expression.NodeType == ExpressionType.And && expression.Type == typeof(bool)))
        {
            var binary = (BinaryExpression)expression;
            Flatten(binary.Left, conjuncts);
            Flatten(binary.Right, conjuncts);
            return;
        }

        conjuncts.Add(expression);
    }

    // ------------------------------------------------------------------ key conditions

    private bool TryKeyPart(Expression expression, out KeyOperator op, out AttributeValue value)
    {
        op = default;
        value = null!;
        object? constant;
        switch (expression)
        {
            case BinaryExpression binary when IsComparison(binary.NodeType) && binary.NodeType != ExpressionType.NotEqual:
            {
                Unwrap(binary, out var left, out var right, out var nodeType);
                if (IsSortKey(left) && IsEvaluable(right))
                {
                    constant = Evaluate(right);
                }
                else if (IsSortKey(right) && IsEvaluable(left))
                {
                    constant = Evaluate(left);
                    nodeType = Flip(nodeType);
                }
                else
                {
                    return false;
                }

                op = nodeType switch
                {
                    ExpressionType.Equal => KeyOperator.Equal,
                    ExpressionType.LessThan => KeyOperator.LessThan,
                    ExpressionType.LessThanOrEqual => KeyOperator.LessThanOrEqual,
                    ExpressionType.GreaterThan => KeyOperator.GreaterThan,
                    ExpressionType.GreaterThanOrEqual => KeyOperator.GreaterThanOrEqual,
                    _ => KeyOperator.Equal,
                };
                break;
            }

            case MethodCallExpression call when IsStringStartsWith(call) && IsSortKey(call.Object!) && IsEvaluable(call.Arguments[0]):
                constant = Evaluate(call.Arguments[0]);
                op = KeyOperator.BeginsWith;
                break;
            default:
                return false;
        }

        if (constant is null)
        {
            return false;
        }

        AttributeValue? converted;
        try
        {
            converted = op == KeyOperator.BeginsWith ? AttributeValue.FromString((string)constant) : _sortKey!.Converter.ToAttributeObject(constant);
        }
        catch (ArgumentException)
        {
            return false;
        }

        // The value must have the key's type; enums are stored as names, so their order is not the key's order.
        if (converted is null || ScalarTypeOf(converted) != _sortKeyType ||
            (op is not (KeyOperator.Equal or KeyOperator.BeginsWith) && IsEnum(_sortKey!.Converter)))
        {
            return false;
        }

        value = converted;
        return true;
    }

    private bool IsSortKey(Expression expression) =>
        Unwrap(expression) is MemberExpression { Member: PropertyInfo property, Expression: { } target } &&
        Unwrap(target) == _parameter &&
        string.Equals(property.Name, _sortKey!.Name, StringComparison.Ordinal);

    // ------------------------------------------------------------------ filters

    private Condition Visit(Expression expression)
    {
        switch (expression.NodeType)
        {
            case ExpressionType.AndAlso:
            case ExpressionType.And when expression.Type == typeof(bool):
            {
                var binary = (BinaryExpression)expression;
                return Condition.And(Visit(binary.Left), Visit(binary.Right));
            }

            case ExpressionType.OrElse:
            case ExpressionType.Or when expression.Type == typeof(bool):
            {
                var binary = (BinaryExpression)expression;
                return Condition.Or(Visit(binary.Left), Visit(binary.Right));
            }

            case ExpressionType.Not when expression.Type == typeof(bool):
                return Condition.Not(Visit(((UnaryExpression)expression).Operand));
            case ExpressionType.Equal:
            case ExpressionType.NotEqual:
            case ExpressionType.LessThan:
            case ExpressionType.LessThanOrEqual:
            case ExpressionType.GreaterThan:
            case ExpressionType.GreaterThanOrEqual:
            {
                var binary = (BinaryExpression)expression;
                Unwrap(binary, out var left, out var right, out var nodeType);
                return Compare(left, nodeType, right, expression);
            }

            case ExpressionType.Call:
                return VisitCall((MethodCallExpression)expression);
        }

        if (expression.Type == typeof(bool) && IsEvaluable(expression))
        {
            // Every item has its partition key, so attribute_exists(pk) is TRUE and attribute_not_exists(pk) FALSE.
            return Evaluate(expression) is true ? Condition.Path(_partitionKeyPath).Exists() : Condition.Path(_partitionKeyPath).NotExists();
        }

        if (expression is MemberExpression { Member.Name: "HasValue", Expression: { } nullable } &&
            Nullable.GetUnderlyingType(nullable.Type) is not null && TryPath(nullable, out var hasValuePath, out _))
        {
            return Condition.Path(hasValuePath).Exists();
        }

        if (Unwrap(expression).Type is var type && (type == typeof(bool) || type == typeof(bool?)) && TryPath(expression, out var path, out var converter))
        {
            if (converter.Unwrapped.Kind != AttributeKind.Bool)
            {
                throw Unsupported(expression, "only bool properties can be used as conditions on their own");
            }

            return Condition.Path(path).Equal(AttributeValue.True);
        }

        throw Unsupported(expression, null);
    }

    private Condition Compare(Expression left, ExpressionType nodeType, Expression right, Expression whole)
    {
        var leftOperand = ResolveOperand(left);
        var rightOperand = ResolveOperand(right);
        if (leftOperand is not null && rightOperand is not null)
        {
            return Compare(leftOperand.Value.Target, nodeType, rightOperand.Value.Target);
        }

        if (leftOperand is not null)
        {
            return CompareWithValue(leftOperand.Value, nodeType, Evaluate(right), whole);
        }

        if (rightOperand is not null)
        {
            return CompareWithValue(rightOperand.Value, Flip(nodeType), Evaluate(left), whole);
        }

        throw Unsupported(whole, "neither side is a mapped property");
    }

    private Condition CompareWithValue(Operand operand, ExpressionType nodeType, object? value, Expression whole)
    {
        var converted = value is null ? null : Convert(operand.Converter, value, whole);
        if (converted is null)
        {
            if (operand.Path is null)
            {
                throw Unsupported(whole, "a size cannot be compared with null");
            }

            return nodeType switch
            {
                ExpressionType.Equal => Condition.Path(operand.Path).NotExists(),
                ExpressionType.NotEqual => Condition.Path(operand.Path).Exists(),
                _ => throw Unsupported(whole, "an ordering comparison with null is always false; use == null or != null"),
            };
        }

        if (nodeType is not (ExpressionType.Equal or ExpressionType.NotEqual) && IsEnum(operand.Converter))
        {
            throw Unsupported(whole, "enums are stored as their names, so only == and != can be used on them");
        }

        return Compare(operand.Target, nodeType, Condition.Value(converted));
    }

    private static Condition Compare(ConditionOperand left, ExpressionType nodeType, ConditionOperand right) => nodeType switch
    {
        ExpressionType.Equal => left.Equal(right),
        ExpressionType.NotEqual => left.NotEqual(right),
        ExpressionType.LessThan => left.LessThan(right),
        ExpressionType.LessThanOrEqual => left.LessThanOrEqual(right),
        ExpressionType.GreaterThan => left.GreaterThan(right),
        _ => left.GreaterThanOrEqual(right),
    };

    private Condition VisitCall(MethodCallExpression call)
    {
        var method = call.Method;
        var arguments = call.Arguments;
        if (method.DeclaringType == typeof(string))
        {
            if (call.Object is not null)
            {
                var target = ResolveOperand(call.Object);
                if (target is null || target.Value.Path is null)
                {
                    throw Unsupported(call, "the string method must be called on a mapped property");
                }

                var path = Condition.Path(target.Value.Path);
                if (!IsOrdinal(arguments, 1))
                {
                    throw Unsupported(call, "only ordinal string comparisons are supported (pass StringComparison.Ordinal or nothing)");
                }

                switch (method.Name)
                {
                    case "StartsWith" when arguments[0].Type == typeof(string):
                        return path.BeginsWith(EvaluateString(arguments[0], call));
                    case "Contains" when arguments[0].Type == typeof(string):
                        return path.Contains(AttributeValue.FromString(EvaluateString(arguments[0], call)));
                    case "Contains" when arguments[0].Type == typeof(char):
                        return path.Contains(AttributeValue.FromString(((char)EvaluateValue(arguments[0], call)!).ToString()));
                    case "Equals" when arguments[0].Type == typeof(string):
                        return Compare(call.Object, ExpressionType.Equal, arguments[0], call);
                    case "EndsWith":
                        throw Unsupported(call, "conditions have no ends_with function");
                }
            }
            else if (method.Name == "IsNullOrEmpty" && arguments.Count == 1 && TryPath(arguments[0], out var emptyPath, out _))
            {
                var path = Condition.Path(emptyPath);
                return Condition.Or(path.NotExists(), path.Equal(AttributeValue.FromString(string.Empty)));
            }
            else if (method.Name == "Equals" && arguments.Count >= 2 && IsOrdinal(arguments, 2))
            {
                return Compare(arguments[0], ExpressionType.Equal, arguments[1], call);
            }

            throw Unsupported(call, null);
        }

        if (method.Name == "Contains")
        {
            Expression? source = null;
            Expression? item = null;
            if (call.Object is not null && arguments.Count == 1)
            {
                (source, item) = (call.Object, arguments[0]);
            }
            else if (method.IsStatic && arguments.Count == 2)
            {
                (source, item) = (arguments[0], arguments[1]);
            }
            else if (method.IsStatic && arguments.Count == 3 && arguments[2] is ConstantExpression { Value: null })
            {
                // MemoryExtensions.Contains(span, value, comparer: null) under C# 14's first-class spans.
                (source, item) = (arguments[0], arguments[1]);
            }

            if (source is not null && item is not null)
            {
                return Contains(StripSpan(source), item, call);
            }
        }

        if (method.Name == "ContainsKey" && call.Object is not null && arguments.Count == 1 &&
            TryPath(call.Object, out var dictionaryPath, out var dictionary) && dictionary.Unwrapped.Shape == ValueShape.Dictionary)
        {
            return Condition.Path(dictionaryPath.Append(PathElement.Key(EvaluateString(arguments[0], call)))).Exists();
        }

        if (method.Name == "Equals" && call.Object is not null && arguments.Count == 1 && !method.IsStatic)
        {
            var argument = arguments[0] is UnaryExpression { NodeType: ExpressionType.Convert } boxed ? boxed.Operand : arguments[0];
            return Compare(call.Object, ExpressionType.Equal, argument, call);
        }

        throw Unsupported(call, null);
    }

    private Condition Contains(Expression source, Expression item, Expression whole)
    {
        if (!IsEvaluable(source))
        {
            if (!TryPath(source, out var path, out var converter) ||
                converter.Unwrapped.Shape is not (ValueShape.List or ValueShape.Set))
            {
                throw Unsupported(whole, "Contains needs a list or set property, or a captured collection");
            }

            var element = Convert(converter.Unwrapped.ElementConverter!, EvaluateValue(item, whole), whole) ?? AttributeValue.Null;
            return Condition.Path(path).Contains(element);
        }

        var operand = ResolveOperand(item);
        if (operand is null || operand.Value.Path is null)
        {
            throw Unsupported(whole, "the value looked up in a captured collection must be a mapped property");
        }

        var values = new List<AttributeValue>();
        if (Evaluate(source) is IEnumerable collection)
        {
            foreach (var element in collection)
            {
                values.Add(element is null ? AttributeValue.Null : Convert(operand.Value.Converter, element, whole)!);
            }
        }

        // An empty IN list matches nothing; no item lacks its partition key.
        return values.Count == 0
            ? Condition.Path(_partitionKeyPath).NotExists()
            : Condition.Path(operand.Value.Path).In([.. values]);
    }

    // ------------------------------------------------------------------ operands and paths

    /// <summary>A property path (or size of one) with the converter of its values.</summary>
    private readonly record struct Operand(ConditionOperand Target, AttributePath? Path, ValueConverter Converter);

    /// <summary>The operand an expression denotes; null when it does not involve the item (it is then evaluated).</summary>
    private Operand? ResolveOperand(Expression expression)
    {
        if (IsEvaluable(expression))
        {
            return null;
        }

        if (TryPath(expression, out var path, out var converter))
        {
            return new Operand(Condition.Path(path), path, converter);
        }

        if (TrySize(Unwrap(expression), out var sizePath))
        {
            return new Operand(Condition.Path(sizePath).Size(), null, s_sizeConverter);
        }

        throw Unsupported(expression, "it is not a mapped property");
    }

    private bool TryPath(Expression expression, out AttributePath path, out ValueConverter converter)
    {
        path = null!;
        converter = null!;
        expression = Unwrap(expression);
        switch (expression)
        {
            case MemberExpression { Member: PropertyInfo property, Expression: { } inner } member:
            {
                if (Unwrap(inner) == _parameter)
                {
                    var mapped = _root.FindMember(property.Name) ?? throw NotMapped(member, _root.Type, property.Name);
                    path = AttributePath.Of(mapped.AttributeName);
                    converter = mapped.Converter;
                    return true;
                }

                if (!TryPath(inner, out var innerPath, out var innerConverter))
                {
                    return false;
                }

                if (property.Name == "Value" && Nullable.GetUnderlyingType(inner.Type) is not null)
                {
                    (path, converter) = (innerPath, innerConverter.Unwrapped);
                    return true;
                }

                if (innerConverter.ObjectMapper is { } nested)
                {
                    var mapped = nested.FindMember(property.Name) ?? throw NotMapped(member, nested.Type, property.Name);
                    path = innerPath.Append(PathElement.Key(mapped.AttributeName));
                    converter = mapped.Converter;
                    return true;
                }

                return false;
            }

            case MethodCallExpression { Method.Name: "get_Item", Object: { } target } call when call.Arguments.Count == 1:
                return TryIndex(target, call.Arguments[0], call, out path, out converter);
            case BinaryExpression { NodeType: ExpressionType.ArrayIndex } index:
                return TryIndex(index.Left, index.Right, index, out path, out converter);
            case MethodCallExpression { Method: { Name: "ElementAt", IsStatic: true } } elementAt when elementAt.Arguments.Count == 2:
                return TryIndex(elementAt.Arguments[0], elementAt.Arguments[1], elementAt, out path, out converter);
            default:
                return false;
        }
    }

    private bool TryIndex(Expression target, Expression index, Expression whole, out AttributePath path, out ValueConverter converter)
    {
        path = null!;
        converter = null!;
        if (!TryPath(target, out var targetPath, out var targetConverter) || !IsEvaluable(index))
        {
            return false;
        }

        var shape = targetConverter.Unwrapped.Shape;
        if (shape == ValueShape.List && index.Type == typeof(int))
        {
            var position = (int)EvaluateValue(index, whole)!;
            if (position < 0)
            {
                throw Unsupported(whole, "list indexes must not be negative");
            }

            path = targetPath.Append(PathElement.At(position));
        }
        else if (shape == ValueShape.Dictionary && index.Type == typeof(string))
        {
            path = targetPath.Append(PathElement.Key(EvaluateString(index, whole)));
        }
        else
        {
            throw Unsupported(whole, shape == ValueShape.Set ? "sets cannot be indexed" : "only lists (by int) and dictionaries (by string key) can be indexed");
        }

        converter = targetConverter.Unwrapped.ElementConverter!;
        return true;
    }

    private bool TrySize(Expression expression, out AttributePath path)
    {
        path = null!;
        Expression? target = expression switch
        {
            MemberExpression { Member.Name: "Count" or "Length", Expression: { } inner } => inner,
            MethodCallExpression { Method: { Name: "Count", IsStatic: true }, Arguments.Count: 1 } count => count.Arguments[0],
            UnaryExpression { NodeType: ExpressionType.ArrayLength } length => length.Operand,
            _ => null,
        };
        if (target is null || !TryPath(target, out path, out var converter))
        {
            return false;
        }

        var unwrapped = converter.Unwrapped;
        if (unwrapped.Shape is ValueShape.List or ValueShape.Set or ValueShape.Dictionary || unwrapped.Kind == AttributeKind.Binary)
        {
            return true;
        }

        throw Unsupported(expression, unwrapped.Kind == AttributeKind.String
            ? "string.Length counts UTF-16 characters while size() counts UTF-8 bytes"
            : "only lists, sets, dictionaries, arrays and byte[] have a size");
    }

    // ------------------------------------------------------------------ helpers

    private static bool IsComparison(ExpressionType type) =>
        type is ExpressionType.Equal or ExpressionType.NotEqual or ExpressionType.LessThan or ExpressionType.LessThanOrEqual
            or ExpressionType.GreaterThan or ExpressionType.GreaterThanOrEqual;

    private static ExpressionType Flip(ExpressionType type) => type switch
    {
        ExpressionType.LessThan => ExpressionType.GreaterThan,
        ExpressionType.LessThanOrEqual => ExpressionType.GreaterThanOrEqual,
        ExpressionType.GreaterThan => ExpressionType.LessThan,
        ExpressionType.GreaterThanOrEqual => ExpressionType.LessThanOrEqual,
        _ => type,
    };

    /// <summary>Rewrites <c>string.Compare(a, b) op 0</c>, <c>a.CompareTo(b) op 0</c> (and 0 on the left) as <c>a op b</c>.</summary>
    private void Unwrap(BinaryExpression binary, out Expression left, out Expression right, out ExpressionType nodeType)
    {
        if (IsCompareCall(binary.Left, out var a, out var b) && IsZero(binary.Right))
        {
            (left, right, nodeType) = (a, b, binary.NodeType);
        }
        else if (IsCompareCall(binary.Right, out a, out b) && IsZero(binary.Left))
        {
            (left, right, nodeType) = (a, b, Flip(binary.NodeType));
        }
        else
        {
            (left, right, nodeType) = (binary.Left, binary.Right, binary.NodeType);
        }
    }

    private static bool IsCompareCall(Expression expression, out Expression left, out Expression right)
    {
        left = right = null!;
        if (expression is not MethodCallExpression call)
        {
            return false;
        }

        var method = call.Method;
        if (method.IsStatic && method.DeclaringType == typeof(string) && method.Name is "Compare" or "CompareOrdinal" &&
            call.Arguments.Count == 2 && call.Arguments[0].Type == typeof(string) && call.Arguments[1].Type == typeof(string))
        {
            (left, right) = (call.Arguments[0], call.Arguments[1]);
            return true;
        }

        if (!method.IsStatic && method.Name == "CompareTo" && call.Arguments.Count == 1 && call.Object is not null)
        {
            var argument = call.Arguments[0] is UnaryExpression { NodeType: ExpressionType.Convert } boxed && call.Arguments[0].Type == typeof(object)
                ? boxed.Operand
                : call.Arguments[0];
            (left, right) = (call.Object, argument);
            return true;
        }

        return false;
    }

    private bool IsZero(Expression expression) => IsEvaluable(expression) && Evaluate(expression) is 0;

    private static bool IsStringStartsWith(MethodCallExpression call) =>
        call.Method.DeclaringType == typeof(string) && call.Method.Name == "StartsWith" && call.Object is not null &&
        call.Arguments[0].Type == typeof(string) && IsOrdinal(call.Arguments, 1);

    /// <summary>True when the call has no arguments past <paramref name="count"/>, or one constant <see cref="StringComparison.Ordinal"/>.</summary>
    private static bool IsOrdinal(IReadOnlyList<Expression> arguments, int count) =>
        arguments.Count == count ||
        (arguments.Count == count + 1 && arguments[count] is ConstantExpression { Value: StringComparison.Ordinal });

    private static ScalarType? ScalarTypeOf(AttributeValue value) => value.Kind switch
    {
        AttributeKind.String => ScalarType.String,
        AttributeKind.Number => ScalarType.Number,
        AttributeKind.Binary => ScalarType.Binary,
        _ => null,
    };

    private static bool IsEnum(ValueConverter converter) => converter.Unwrapped.ClrType.IsEnum;

    /// <summary>Strips conversions (widening, nullable lifting, enum to integer, boxing), which the C# compiler inserts around operands.</summary>
    private static Expression Unwrap(Expression expression)
    {
        while (expression is UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.ConvertChecked } convert)
        {
            expression = convert.Operand;
        }

        return expression;
    }

    /// <summary>Strips the implicit array-to-span conversion C# 14 inserts before MemoryExtensions.Contains.</summary>
    private static Expression StripSpan(Expression expression)
    {
        while (true)
        {
            expression = Unwrap(expression);
            if (expression is MethodCallExpression { Method.Name: "op_Implicit", Arguments.Count: 1 } implicitCall &&
                implicitCall.Type.IsGenericType &&
                (implicitCall.Type.GetGenericTypeDefinition() == typeof(Span<>) || implicitCall.Type.GetGenericTypeDefinition() == typeof(ReadOnlySpan<>)))
            {
                expression = implicitCall.Arguments[0];
                continue;
            }

            return expression;
        }
    }

    private bool IsEvaluable(Expression expression) => !ParameterFinder.Uses(expression, _parameter);

    private static AttributeValue? Convert(ValueConverter converter, object? value, Expression whole)
    {
        try
        {
            return converter.ToAttributeObject(value);
        }
        catch (ArgumentException ex)
        {
            throw Unsupported(whole, ex.Message.TrimEnd('.'));
        }
        catch (InvalidCastException)
        {
            throw Unsupported(whole, $"a {TypeNames.Format(value!.GetType())} value cannot be compared with a {converter.ClrTypeName} property");
        }
    }

    private object? EvaluateValue(Expression expression, Expression whole) =>
        IsEvaluable(expression) ? Evaluate(expression) : throw Unsupported(whole, $"'{expression}' must not depend on the item");

    private string EvaluateString(Expression expression, Expression whole) =>
        EvaluateValue(expression, whole) as string ?? throw Unsupported(whole, $"'{expression}' is null");

    /// <summary>Evaluates a sub-expression that does not involve the item: constants and captured variables directly, anything else compiled.</summary>
    private static object? Evaluate(Expression expression)
    {
        try
        {
            switch (expression)
            {
                case ConstantExpression constant:
                    return constant.Value;
                case MemberExpression { Member: FieldInfo field } member:
                    return field.GetValue(member.Expression is null ? null : Evaluate(member.Expression));
                case MemberExpression { Member: PropertyInfo property } member when property.GetIndexParameters().Length == 0:
                    return property.GetValue(member.Expression is null ? null : Evaluate(member.Expression));
                default:
                    var lambda = Expression.Lambda<Func<object?>>(Expression.Convert(expression, typeof(object)));
                    return lambda.Compile(preferInterpretation: true)();
            }
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }

    private static NotSupportedException NotMapped(Expression expression, Type type, string property) =>
        Unsupported(expression, $"property {TypeNames.Format(type)}.{property} is not mapped (it is ignored or has no setter)");

    private static NotSupportedException Unsupported(Expression expression, string? reason) =>
        new(MappingErrors.UnsupportedExpression(expression, reason));

    /// <summary>Finds whether an expression refers to a parameter.</summary>
    private sealed class ParameterFinder : ExpressionVisitor
    {
        private readonly ParameterExpression _parameter;
        private bool _found;

        private ParameterFinder(ParameterExpression parameter)
        {
            _parameter = parameter;
        }

        public static bool Uses(Expression expression, ParameterExpression parameter)
        {
            var finder = new ParameterFinder(parameter);
            finder.Visit(expression);
            return finder._found;
        }

        public override Expression? Visit(Expression? node) => _found ? node : base.Visit(node);

        protected override Expression VisitParameter(ParameterExpression node)
        {
            _found |= node == _parameter;
            return node;
        }
    }
}
