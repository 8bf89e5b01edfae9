using BenchmarkDotNet.Running;
using KvDb.Benchmarks.Core;

namespace KvDb.Benchmarks;

/// <summary>
/// Entry point. <c>dotnet run -c Release -- --filter '*PointRead*' --job short</c> runs BenchmarkDotNet;
/// <c>dotnet run -c Release -- memory</c> runs the retained-memory measurement and prints a table.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && string.Equals(args[0], "memory", StringComparison.OrdinalIgnoreCase))
        {
            MemoryMeasurement.Run(Console.Out);
            return 0;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
