using System.Globalization;

namespace KvDb.Server.Cli;

/// <summary>
/// Hand-parsed command-line arguments: <c>--name value</c>, <c>--name=value</c>, boolean <c>--flag</c>s and
/// positional words. Options are declared by the command (value or flag) so that a misspelt option is an error
/// that names it, never silently a positional argument.
/// </summary>
internal sealed class CliArgs
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private CliArgs(string command)
    {
        Command = command;
    }

    /// <summary>The command words consumed so far (for messages), e.g. <c>kvdb cluster add-node</c>.</summary>
    public string Command { get; }

    /// <summary>The positional arguments, in order.</summary>
    public List<string> Positional { get; } = [];

    /// <summary>Parses <paramref name="args"/>; <paramref name="valueOptions"/> take a value, <paramref name="flagOptions"/> do not.</summary>
    public static CliArgs Parse(string command, IEnumerable<string> args, IReadOnlyCollection<string> valueOptions, IReadOnlyCollection<string>? flagOptions = null)
    {
        var result = new CliArgs(command);
        flagOptions ??= [];
        using var e = args.GetEnumerator();
        var onlyPositional = false;
        while (e.MoveNext())
        {
            var arg = e.Current;
            if (onlyPositional || !arg.StartsWith("--", StringComparison.Ordinal) || arg == "-")
            {
                result.Positional.Add(arg);
                continue;
            }

            if (arg == "--")
            {
                onlyPositional = true;
                continue;
            }

            var name = arg[2..];
            string? inline = null;
            var eq = name.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                inline = name[(eq + 1)..];
                name = name[..eq];
            }

            if (flagOptions.Contains(name))
            {
                if (inline is not null)
                {
                    throw new CliException($"{command}: --{name} is a flag and takes no value.");
                }

                result._flags.Add(name);
            }
            else if (valueOptions.Contains(name))
            {
                if (inline is null)
                {
                    if (!e.MoveNext())
                    {
                        throw new CliException($"{command}: --{name} needs a value.");
                    }

                    inline = e.Current;
                }

                if (!result._values.TryAdd(name, inline))
                {
                    throw new CliException($"{command}: --{name} is given twice.");
                }
            }
            else
            {
                var known = valueOptions.Select(o => "--" + o + " <value>").Concat(flagOptions.Select(f => "--" + f)).ToList();
                throw new CliException($"{command}: unknown option --{name}." + (known.Count > 0 ? $" Options: {string.Join(", ", known)}." : " It takes no options."));
            }
        }

        return result;
    }

    public bool Flag(string name) => _flags.Contains(name);

    public string? Value(string name) => _values.GetValueOrDefault(name);

    public string Value(string name, string fallback) => _values.GetValueOrDefault(name) ?? fallback;

    public int Int(string name, int fallback, int min, int max)
    {
        if (!_values.TryGetValue(name, out var text))
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new CliException($"{Command}: --{name} must be a whole number from {min} to {max}, found '{text}'.");
        }

        return value;
    }

    /// <summary>The positional arguments must number between <paramref name="min"/> and <paramref name="max"/>.</summary>
    public void ExpectPositional(int min, int max, string usage)
    {
        if (Positional.Count < min || Positional.Count > max)
        {
            var what = Positional.Count < min ? "missing argument" : $"unexpected argument '{Positional[max]}'";
            throw new CliException($"{Command}: {what}. Usage: {usage}");
        }
    }
}

/// <summary>A usage error of the command line: printed without a stack trace, exit code 2.</summary>
internal sealed class CliException(string message) : Exception(message);

/// <summary>Where a command reads and writes (the real console, or captured writers in tests).</summary>
internal sealed class CliConsole(TextWriter output, TextWriter error, TextReader input, bool interactive)
{
    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    public TextReader In { get; } = input;

    /// <summary>True when a person types at a terminal (prompts and progress bars are drawn).</summary>
    public bool Interactive { get; } = interactive;
}
