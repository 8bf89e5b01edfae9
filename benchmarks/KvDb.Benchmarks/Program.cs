using BenchmarkDotNet.Running;
using KvDb.Benchmarks.Core;

namespace KvDb.Benchmarks;

/// <summary>
/// Entry point. <c>dotnet run -c Release -- --filter '*PointRead*' --job short</c> runs BenchmarkDotNet;
/// <c>dotnet run -c Release -- memory</c> runs the retained-memory measurement and prints a table;
/// <c>dotnet run -c Release -- cypher</c> the Cypher bulk-load rate and variable-length memory measurement;
/// <c>dotnet run -c Release -- cluster-rebalance [items]</c> the rate of adding a fourth node to a loaded 3-node cluster;
/// <c>dotnet run -c Release -- cluster-sim100 [nodes] [items]</c> a node join in a simulated 100-node cluster;
/// <c>dotnet run -c Release -- cluster-breakdown</c> where the time of one clustered point operation goes;
/// <c>dotnet run -c Release -- server-latency [requests]</c> KvDb.Server's sequential HTTP /set (req/s, p50, p99) and /sql join timings;
/// <c>dotnet run -c Release -- sql-timing [insert|groupby|join|all] [runs]</c> a quick Stopwatch comparison of the SQL INSERT, GROUP BY and join cases with SQLite.
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

        if (args.Length > 0 && string.Equals(args[0], "cypher", StringComparison.OrdinalIgnoreCase))
        {
            Cypher.CypherGraphMeasurement.Run(Console.Out);
            return 0;
        }

        if (args.Length > 0 && string.Equals(args[0], "cluster-rebalance", StringComparison.OrdinalIgnoreCase))
        {
            Cluster.ClusterRebalanceMeasurement.Run(Console.Out, args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000);
            return 0;
        }

        if (args.Length > 0 && string.Equals(args[0], "cluster-sim100", StringComparison.OrdinalIgnoreCase))
        {
            Cluster.ClusterSimulationMeasurement.Run(
                Console.Out,
                args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100,
                args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 20_000);
            return 0;
        }

        if (args.Length > 0 && string.Equals(args[0], "cluster-breakdown", StringComparison.OrdinalIgnoreCase))
        {
            Cluster.ClusterCostBreakdown.Run(Console.Out);
            return 0;
        }

        if (args.Length > 0 && string.Equals(args[0], "server-latency", StringComparison.OrdinalIgnoreCase))
        {
            Server.ServerLatencyMeasurement.Run(Console.Out, args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 20_000);
            return 0;
        }

        if (args.Length > 0 && string.Equals(args[0], "sql-timing", StringComparison.OrdinalIgnoreCase))
        {
            Sql.SqlTimingMeasurement.Run(Console.Out, args.Length > 1 ? args[1] : "all", args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 7);
            return 0;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
