namespace KvDb.Server.Cli;

/// <summary>
/// A one-line progress bar on the error stream: redrawn in place on a terminal (at most every 100 ms), and on a
/// redirected stream written only at each completed tenth, so logs stay short.
/// </summary>
internal sealed class ProgressBar(CliConsole console, string title)
{
    private const int Width = 30;
    private long _lastDraw;
    private int _lastTenth = -1;

    public void Report(double fraction, string detail)
    {
        fraction = Math.Clamp(double.IsNaN(fraction) ? 0 : fraction, 0, 1);
        if (console.Interactive)
        {
            var now = Environment.TickCount64;
            if (now - _lastDraw < 100 && fraction < 1)
            {
                return;
            }

            _lastDraw = now;
            console.Error.Write("\r" + Line(fraction, detail) + "   ");
            return;
        }

        var tenth = (int)(fraction * 10);
        if (tenth != _lastTenth)
        {
            _lastTenth = tenth;
            console.Error.WriteLine(Line(fraction, detail));
        }
    }

    public void Complete(string detail)
    {
        if (console.Interactive)
        {
            console.Error.Write("\r" + Line(1, detail) + "   \n");
        }
        else
        {
            console.Error.WriteLine(Line(1, detail));
        }
    }

    private string Line(double fraction, string detail)
    {
        var filled = (int)Math.Round(fraction * Width);
        return $"{title} [{new string('#', filled)}{new string('-', Width - filled)}] {fraction * 100,3:0}% {detail}";
    }
}
