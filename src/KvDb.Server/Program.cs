using KvDb.Server.Cli;

namespace KvDb.Server;

/// <summary>The entry point of the <c>kvdb</c> tool.</summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // The first Ctrl+C stops gracefully (the command flushes and closes the database); a second one kills.
            if (!stop.IsCancellationRequested)
            {
                e.Cancel = true;
                stop.Cancel();
            }
        };
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        return await KvdbCli.RunAsync(args, new CliConsole(Console.Out, Console.Error, Console.In, interactive: !Console.IsInputRedirected), stop.Token);
    }
}
