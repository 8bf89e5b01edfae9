using System.Collections;
using System.Reflection;

namespace KvDb.Cluster.Tests.Messages;

/// <summary>
/// Structural equality of messages: records holding <see cref="IReadOnlyList{T}"/> compare lists by reference, so
/// this walks public properties and compares lists element by element (items and values use their own equality).
/// </summary>
internal static class MessageAssert
{
    public static void Equal(object? expected, object? actual) => Compare(expected, actual, "message");

    private static void Compare(object? expected, object? actual, string path)
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{path}: expected {expected ?? "null"} but found {actual ?? "null"}");
            return;
        }

        Assert.True(expected.GetType() == actual.GetType(), $"{path}: expected a {expected.GetType().Name} but found a {actual.GetType().Name}");
        var type = expected.GetType();
        if (expected is string || expected is Item || expected is AttributeValue || type.IsPrimitive || type.IsEnum || expected is ItemKey)
        {
            Assert.True(expected.Equals(actual), $"{path}: expected {expected} but found {actual}");
            return;
        }

        if (expected is IEnumerable list)
        {
            var a = list.Cast<object?>().ToList();
            var b = ((IEnumerable)actual).Cast<object?>().ToList();
            Assert.True(a.Count == b.Count, $"{path}: expected {a.Count} elements but found {b.Count}");
            for (var i = 0; i < a.Count; i++)
            {
                Compare(a[i], b[i], $"{path}[{i}]");
            }

            return;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length == 0)
            {
                Compare(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}");
            }
        }
    }
}
