using System.Reflection;
using System.Text;

namespace KvDb.Testing;

/// <summary>
/// Public-API snapshots shared by the test projects: the exported surface of an assembly, dumped by reflection,
/// compared with PublicApi.approved.txt beside the test project, so every public change shows up in review.
/// To accept a change, copy PublicApi.received.txt over the approved file.
/// </summary>
public static class PublicApiSnapshot
{
    /// <summary>The approved text and the actual dump (writing PublicApi.received.txt when they differ).</summary>
    public static (string Approved, string Actual) Compare(Assembly assembly, string testProjectFile)
    {
        var actual = Dump(assembly);
        var directory = FindDirectory(testProjectFile);
        var approvedPath = Path.Combine(directory, "PublicApi.approved.txt");
        var approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).ReplaceLineEndings("\n") : "";
        if (approved != actual)
        {
            File.WriteAllText(Path.Combine(directory, "PublicApi.received.txt"), actual);
        }

        return (approved, actual);
    }

    private static string FindDirectory(string projectFile)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, projectFile)))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException($"Cannot find the directory of {projectFile}.");
    }

    /// <summary>A stable text dump of every exported type and public member.</summary>
    public static string Dump(Assembly assembly)
    {
        var sb = new StringBuilder();
        foreach (var type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            sb.Append(Kind(type)).Append(' ').Append(Name(type));
            var bases = new List<string>();
            if (type.BaseType is { } b && b != typeof(object) && b != typeof(ValueType) && b != typeof(Enum))
            {
                bases.Add(Name(b));
            }

            bases.AddRange(type.GetInterfaces().Select(Name).Order(StringComparer.Ordinal));
            if (bases.Count > 0)
            {
                sb.Append(" : ").AppendJoin(", ", bases);
            }

            sb.Append('\n');
            if (type.IsEnum)
            {
                foreach (var name in Enum.GetNames(type))
                {
                    sb.Append("  ").Append(name).Append(" = ").Append(Convert.ToInt64(Enum.Parse(type, name))).Append('\n');
                }

                continue;
            }

            var members = new List<string>();
            const BindingFlags Flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var m in type.GetMembers(Flags))
            {
                switch (m)
                {
                    case ConstructorInfo c:
                        members.Add($"ctor({Parameters(c.GetParameters())})");
                        break;
                    case MethodInfo mi when !mi.IsSpecialName || mi.Name.StartsWith("op_", StringComparison.Ordinal):
                        members.Add($"{(mi.IsStatic ? "static " : "")}{Name(mi.ReturnType)} {mi.Name}{(mi.IsGenericMethod ? "<" + string.Join(", ", mi.GetGenericArguments().Select(Name)) + ">" : "")}({Parameters(mi.GetParameters())})");
                        break;
                    case PropertyInfo p:
                        var accessors = (p.GetMethod?.IsPublic == true ? "get; " : "") + (p.SetMethod?.IsPublic == true ? (p.SetMethod.ReturnParameter.GetRequiredCustomModifiers().Any(t => t.Name == "IsExternalInit") ? "init; " : "set; ") : "");
                        var isStatic = (p.GetMethod ?? p.SetMethod)!.IsStatic;
                        var indexer = p.GetIndexParameters();
                        members.Add($"{(isStatic ? "static " : "")}{Name(p.PropertyType)} {(indexer.Length > 0 ? "this[" + Parameters(indexer) + "]" : p.Name)} {{ {accessors}}}");
                        break;
                    case FieldInfo f when !type.IsEnum:
                        members.Add($"{(f.IsLiteral ? "const " : f.IsStatic ? "static " : "")}{(f.IsInitOnly ? "readonly " : "")}{Name(f.FieldType)} {f.Name}");
                        break;
                    case EventInfo e:
                        members.Add($"event {Name(e.EventHandlerType!)} {e.Name}");
                        break;
                }
            }

            foreach (var member in members.Order(StringComparer.Ordinal))
            {
                sb.Append("  ").Append(member).Append('\n');
            }
        }

        return sb.ToString();
    }

    private static string Kind(Type t) =>
        t.IsEnum ? "enum" : t.IsInterface ? "interface" : t.IsValueType ? "struct" : t.IsAbstract && t.IsSealed ? "static class" : t.IsAbstract ? "abstract class" : t.IsSealed ? "sealed class" : "class";

    private static string Parameters(ParameterInfo[] ps) =>
        string.Join(", ", ps.Select(p => $"{(p.IsOut ? "out " : p.ParameterType.IsByRef ? "ref " : "")}{Name(p.ParameterType)} {p.Name}{(p.HasDefaultValue ? " = " + (p.DefaultValue?.ToString() ?? "null") : "")}"));

    private static string Name(Type t)
    {
        if (t.IsByRef)
        {
            return Name(t.GetElementType()!);
        }

        if (t.IsArray)
        {
            return Name(t.GetElementType()!) + "[]";
        }

        if (t.IsGenericParameter)
        {
            return t.Name;
        }

        var name = t.Namespace is "System" or "System.Collections.Generic" or "System.Threading" or "System.Threading.Tasks" ? t.Name : (t.FullName ?? t.Name);
        if (t.IsGenericType)
        {
            var tick = name.IndexOf('`', StringComparison.Ordinal);
            name = (tick >= 0 ? name[..tick] : name) + "<" + string.Join(", ", t.GetGenericArguments().Select(Name)) + ">";
        }

        return name.Replace('+', '.');
    }
}
