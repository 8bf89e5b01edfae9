using System.Collections.ObjectModel;

namespace KvDb.Expressions;

/// <summary>
/// A DynamoDB update expression: <c>SET</c>, <c>REMOVE</c>, <c>ADD</c> and <c>DELETE</c> clauses. Immutable and
/// thread-safe; the builder methods return new expressions:
/// <c>Update.Set("a", 1).Remove("b").Add("tags", AttributeValue.FromStringSet(["x"]))</c>.
/// </summary>
public sealed partial class UpdateExpression
{
    private readonly UpdateAction[] _actions;
    private readonly ReadOnlyCollection<AttributePath> _targets;

    // Trusted: actions are in clause order (SET, REMOVE, ADD, DELETE) and their paths are independent.
    private UpdateExpression(UpdateAction[] actions)
    {
        _actions = actions;
        var targets = new AttributePath[actions.Length];
        for (var i = 0; i < actions.Length; i++)
        {
            targets[i] = actions[i].Path;
        }

        _targets = new ReadOnlyCollection<AttributePath>(targets);
    }

    /// <summary>The update with no actions (start of a builder chain; applying it changes nothing).</summary>
    public static UpdateExpression Empty { get; } = new([]);

    /// <summary>True when there are no actions.</summary>
    public bool IsEmpty => _actions.Length == 0;

    /// <summary>Every path written by SET, REMOVE, ADD or DELETE, in clause order (SET, REMOVE, ADD, DELETE).</summary>
    public IReadOnlyList<AttributePath> TargetPaths => _targets;

    /// <summary>Throws when the update writes a key attribute of <paramref name="schema"/>; <paramref name="where"/> starts the message.</summary>
    internal void CheckKeyNotUpdated(TableSchema schema, string where)
    {
        foreach (var path in TargetPaths)
        {
            if (path.TopLevelName == schema.PartitionKey.Name || path.TopLevelName == schema.SortKey?.Name)
            {
                throw new KvDbException(KvErrorCode.InvalidUpdate,
                    $"{where}: cannot update attribute \"{path}\" because \"{path.TopLevelName}\" is part of the key.");
            }
        }
    }

    internal IReadOnlyList<UpdateAction> Actions => _actions;

    /// <summary>
    /// Parses an update expression. Throws <see cref="KvParseException"/> on syntax errors
    /// (<see cref="KvErrorCode.ExpressionSyntax"/>) and on undefined placeholders or operands of the wrong type
    /// (<see cref="KvErrorCode.InvalidExpression"/>), and <see cref="KvDbException"/> for unused placeholders or
    /// overlapping paths (<see cref="KvErrorCode.InvalidExpression"/>) and for text longer than 4096 characters
    /// (<see cref="KvErrorCode.LimitExceeded"/>).
    /// </summary>
    public static UpdateExpression Parse(
        string expression,
        IReadOnlyDictionary<string, string>? names = null,
        IReadOnlyDictionary<string, AttributeValue>? values = null)
    {
        var attributes = new ExpressionAttributes(names, values);
        var update = Parse(expression, attributes);
        attributes.ThrowIfAnyUnused();
        return update;
    }

    /// <summary>Parses an update expression with placeholders shared by several expressions of one request.</summary>
    public static UpdateExpression Parse(string expression, ExpressionAttributes attributes)
    {
        ArgumentNullException.ThrowIfNull(expression);
        ArgumentNullException.ThrowIfNull(attributes);
        return new ExpressionParser(expression, attributes).ParseUpdateExpression();
    }

    /// <summary>Builds an expression from actions in written order: checks that the paths are independent, then groups the actions by clause.</summary>
    internal static UpdateExpression Create(IReadOnlyList<UpdateAction> actions)
    {
        var paths = new AttributePath[actions.Count];
        for (var i = 0; i < paths.Length; i++)
        {
            paths[i] = actions[i].Path;
        }

        PathOverlap.ThrowIfAny(paths);
        return Sorted(actions);
    }

    private static UpdateExpression Sorted(IReadOnlyList<UpdateAction> actions)
    {
        var sorted = new UpdateAction[actions.Count];
        var n = 0;
        for (var kind = UpdateActionKind.Set; kind <= UpdateActionKind.Delete; kind++)
        {
            foreach (var action in actions)
            {
                if (action.Kind == kind)
                {
                    sorted[n++] = action;
                }
            }
        }

        return new UpdateExpression(sorted);
    }

    /// <summary><c>SET path = value</c>.</summary>
    public UpdateExpression Set(string path, AttributeValue value) => Set(AttributePath.Parse(path), value);

    /// <summary><c>SET path = value</c>.</summary>
    public UpdateExpression Set(AttributePath path, AttributeValue value) =>
        With(new UpdateAction(UpdateActionKind.Set, NotNull(path), new ValueUpdateOperand(NotNull(value))));

    /// <summary><c>SET path = if_not_exists(path, value)</c>: sets the attribute only when it is missing.</summary>
    public UpdateExpression SetIfNotExists(string path, AttributeValue value) => SetIfNotExists(AttributePath.Parse(path), value);

    /// <summary><c>SET path = if_not_exists(path, value)</c>.</summary>
    public UpdateExpression SetIfNotExists(AttributePath path, AttributeValue value) =>
        With(new UpdateAction(UpdateActionKind.Set, NotNull(path), new IfNotExistsUpdateOperand(path, new ValueUpdateOperand(NotNull(value)))));

    /// <summary><c>SET path = if_not_exists(path, 0) + by</c>: adds to a number, starting from 0 when missing.</summary>
    public UpdateExpression Increment(string path, KvNumber by) => Increment(AttributePath.Parse(path), by);

    /// <summary><c>SET path = if_not_exists(path, 0) + by</c>.</summary>
    public UpdateExpression Increment(AttributePath path, KvNumber by) =>
        With(new UpdateAction(
            UpdateActionKind.Set,
            NotNull(path),
            new ArithmeticUpdateOperand(
                new IfNotExistsUpdateOperand(path, new ValueUpdateOperand(AttributeValue.FromNumber(KvNumber.Zero))),
                subtract: false,
                new ValueUpdateOperand(AttributeValue.FromNumber(by)))));

    /// <summary><c>SET path = list_append(if_not_exists(path, []), [values])</c>: appends, creating the list when missing.</summary>
    public UpdateExpression AppendToList(string path, params AttributeValue[] values) => AppendToList(AttributePath.Parse(path), values);

    /// <summary><c>SET path = list_append(if_not_exists(path, []), [values])</c>.</summary>
    public UpdateExpression AppendToList(AttributePath path, params AttributeValue[] values) =>
        With(new UpdateAction(
            UpdateActionKind.Set,
            NotNull(path),
            new ListAppendUpdateOperand(ExistingList(path), new ValueUpdateOperand(AttributeValue.FromList(NotNull(values))))));

    /// <summary><c>SET path = list_append([values], if_not_exists(path, []))</c>: prepends, creating the list when missing.</summary>
    public UpdateExpression PrependToList(string path, params AttributeValue[] values) => PrependToList(AttributePath.Parse(path), values);

    /// <summary><c>SET path = list_append([values], if_not_exists(path, []))</c>.</summary>
    public UpdateExpression PrependToList(AttributePath path, params AttributeValue[] values) =>
        With(new UpdateAction(
            UpdateActionKind.Set,
            NotNull(path),
            new ListAppendUpdateOperand(new ValueUpdateOperand(AttributeValue.FromList(NotNull(values))), ExistingList(path))));

    /// <summary><c>REMOVE path, ...</c>.</summary>
    public UpdateExpression Remove(params string[] paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var parsed = new AttributePath[paths.Length];
        for (var i = 0; i < paths.Length; i++)
        {
            parsed[i] = AttributePath.Parse(paths[i]);
        }

        return Remove(parsed);
    }

    /// <summary><c>REMOVE path, ...</c>.</summary>
    public UpdateExpression Remove(params AttributePath[] paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var result = this;
        foreach (var path in paths)
        {
            result = result.With(new UpdateAction(UpdateActionKind.Remove, NotNull(path)));
        }

        return result;
    }

    /// <summary><c>ADD path value</c>: adds a number (missing counts as 0) or unions a set (missing counts as empty).</summary>
    public UpdateExpression Add(string path, AttributeValue value) => Add(AttributePath.Parse(path), value);

    /// <summary><c>ADD path value</c>.</summary>
    public UpdateExpression Add(AttributePath path, AttributeValue value)
    {
        ThrowIfError(UpdateAction.CheckAddOperand(NotNull(value)));
        return With(new UpdateAction(UpdateActionKind.Add, NotNull(path), operand: value));
    }

    /// <summary><c>DELETE path set</c>: removes elements from a set (an emptied set removes the attribute).</summary>
    public UpdateExpression Delete(string path, AttributeValue value) => Delete(AttributePath.Parse(path), value);

    /// <summary><c>DELETE path set</c>.</summary>
    public UpdateExpression Delete(AttributePath path, AttributeValue value)
    {
        ThrowIfError(UpdateAction.CheckDeleteOperand(NotNull(value)));
        return With(new UpdateAction(UpdateActionKind.Delete, NotNull(path), operand: value));
    }

    /// <summary>A readable form with values inlined, e.g. <c>SET a = 5, b = if_not_exists(b, 0) + 1 REMOVE c</c>.</summary>
    public override string ToString()
    {
        var writer = new ExpressionWriter(placeholders: false);
        Write(writer);
        return writer.ToString();
    }

    /// <summary>The update in DynamoDB syntax with placeholders; <see cref="Parse(string, IReadOnlyDictionary{string, string}?, IReadOnlyDictionary{string, AttributeValue}?)"/> rebuilds it.</summary>
    public ExpressionText ToExpressionText()
    {
        var writer = new ExpressionWriter(placeholders: true);
        Write(writer);
        return writer.ToExpressionText();
    }

    private void Write(ExpressionWriter writer)
    {
        for (var i = 0; i < _actions.Length; i++)
        {
            var action = _actions[i];
            if (i == 0 || _actions[i - 1].Kind != action.Kind)
            {
                if (i > 0)
                {
                    writer.Append(' ');
                }

                writer.Append(action.Kind switch
                {
                    UpdateActionKind.Set => "SET ",
                    UpdateActionKind.Remove => "REMOVE ",
                    UpdateActionKind.Add => "ADD ",
                    _ => "DELETE ",
                });
            }
            else
            {
                writer.Append(", ");
            }

            action.Write(writer);
        }
    }

    private UpdateExpression With(UpdateAction action)
    {
        foreach (var existing in _actions)
        {
            ThrowIfError(PathOverlap.Check(existing.Path, action.Path));
        }

        var actions = new UpdateAction[_actions.Length + 1];
        _actions.CopyTo(actions, 0);
        actions[^1] = action;
        return Sorted(actions);
    }

    private static IfNotExistsUpdateOperand ExistingList(AttributePath path) =>
        new(path, new ValueUpdateOperand(AttributeValue.OwnedList([])));

    private static void ThrowIfError(string? message)
    {
        if (message is not null)
        {
            throw new KvDbException(KvErrorCode.InvalidExpression, message);
        }
    }

    private static T NotNull<T>(T value)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(value);
        return value;
    }
}

/// <summary>The result of <see cref="UpdateExpression.Apply"/>.</summary>
public sealed class UpdateOutcome
{
    internal UpdateOutcome(AttributeMap attributes, IReadOnlyList<AttributePath> updatedPaths)
    {
        Attributes = attributes;
        UpdatedPaths = updatedPaths;
    }

    /// <summary>The item's attributes after the update: existing attributes keep their place, new ones are appended.</summary>
    public AttributeMap Attributes { get; }

    /// <summary>
    /// The paths the update changed, in clause order: every SET and ADD target, and the REMOVE and DELETE targets
    /// that existed. List indexes are as written in the expression.
    /// </summary>
    public IReadOnlyList<AttributePath> UpdatedPaths { get; }

    /// <summary>What an update returns for <paramref name="returnValues"/>, given the item before and after it.</summary>
    internal Item? Returned(ReturnValues returnValues, Item? before, Item after) => returnValues switch
    {
        ReturnValues.AllOld => before,
        ReturnValues.AllNew => after,
        ReturnValues.UpdatedOld => before is null ? null : NonEmpty(Projection.Of(UpdatedPaths).Apply(before)),
        ReturnValues.UpdatedNew => NonEmpty(Projection.Of(UpdatedPaths).Apply(after)),
        _ => null,
    };

    private static Item? NonEmpty(Item item) => item.Count == 0 ? null : item;
}

/// <summary>
/// Entry points of the update builder: <c>Update.Set("a", 1).Remove("b")</c>. Each method starts from
/// <see cref="UpdateExpression.Empty"/>; chain further actions with the instance methods of the same names.
/// </summary>
public static class Update
{
    /// <summary><c>SET path = value</c>.</summary>
    public static UpdateExpression Set(string path, AttributeValue value) => UpdateExpression.Empty.Set(path, value);

    /// <summary><c>SET path = value</c>.</summary>
    public static UpdateExpression Set(AttributePath path, AttributeValue value) => UpdateExpression.Empty.Set(path, value);

    /// <summary><c>SET path = if_not_exists(path, value)</c>.</summary>
    public static UpdateExpression SetIfNotExists(string path, AttributeValue value) => UpdateExpression.Empty.SetIfNotExists(path, value);

    /// <summary><c>SET path = if_not_exists(path, value)</c>.</summary>
    public static UpdateExpression SetIfNotExists(AttributePath path, AttributeValue value) => UpdateExpression.Empty.SetIfNotExists(path, value);

    /// <summary><c>SET path = if_not_exists(path, 0) + by</c>.</summary>
    public static UpdateExpression Increment(string path, KvNumber by) => UpdateExpression.Empty.Increment(path, by);

    /// <summary><c>SET path = if_not_exists(path, 0) + by</c>.</summary>
    public static UpdateExpression Increment(AttributePath path, KvNumber by) => UpdateExpression.Empty.Increment(path, by);

    /// <summary><c>SET path = list_append(if_not_exists(path, []), [values])</c>.</summary>
    public static UpdateExpression AppendToList(string path, params AttributeValue[] values) => UpdateExpression.Empty.AppendToList(path, values);

    /// <summary><c>SET path = list_append(if_not_exists(path, []), [values])</c>.</summary>
    public static UpdateExpression AppendToList(AttributePath path, params AttributeValue[] values) => UpdateExpression.Empty.AppendToList(path, values);

    /// <summary><c>SET path = list_append([values], if_not_exists(path, []))</c>.</summary>
    public static UpdateExpression PrependToList(string path, params AttributeValue[] values) => UpdateExpression.Empty.PrependToList(path, values);

    /// <summary><c>SET path = list_append([values], if_not_exists(path, []))</c>.</summary>
    public static UpdateExpression PrependToList(AttributePath path, params AttributeValue[] values) => UpdateExpression.Empty.PrependToList(path, values);

    /// <summary><c>REMOVE path, ...</c>.</summary>
    public static UpdateExpression Remove(params string[] paths) => UpdateExpression.Empty.Remove(paths);

    /// <summary><c>REMOVE path, ...</c>.</summary>
    public static UpdateExpression Remove(params AttributePath[] paths) => UpdateExpression.Empty.Remove(paths);

    /// <summary><c>ADD path value</c> (number or set).</summary>
    public static UpdateExpression Add(string path, AttributeValue value) => UpdateExpression.Empty.Add(path, value);

    /// <summary><c>ADD path value</c> (number or set).</summary>
    public static UpdateExpression Add(AttributePath path, AttributeValue value) => UpdateExpression.Empty.Add(path, value);

    /// <summary><c>DELETE path set</c>.</summary>
    public static UpdateExpression Delete(string path, AttributeValue value) => UpdateExpression.Empty.Delete(path, value);

    /// <summary><c>DELETE path set</c>.</summary>
    public static UpdateExpression Delete(AttributePath path, AttributeValue value) => UpdateExpression.Empty.Delete(path, value);
}
