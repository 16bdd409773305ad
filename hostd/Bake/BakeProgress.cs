using System.Diagnostics;

namespace Jumpstart.Hostd.Bake;

/// <summary>Progress lines on stderr: <c>bake: [2/6] building the root file system (mmdebstrap) +3.1s</c>.</summary>
public sealed class BakeProgress(TextWriter? writer)
{
    public const int Steps = 6;

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();

    public TimeSpan Elapsed => _clock.Elapsed;

    public void Step(int number, string what) => Write($"bake: [{number}/{Steps}] {what} +{_clock.Elapsed.TotalSeconds:F1}s");

    public void Detail(string line) => Write($"bake:       {line}");

    private void Write(string line)
    {
        if (writer is null)
        {
            return;
        }

        lock (_gate)
        {
            writer.WriteLine(line);
            writer.Flush();
        }
    }
}
