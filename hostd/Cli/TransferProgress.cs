using Jumpstart.Hostd.Store.Fog;

namespace Jumpstart.Hostd.Cli;

/// <summary>Progress of a long transfer as lines on stderr, at most one a second plus the last.</summary>
public sealed class TransferProgress(TextWriter error, string verb, long? total) : IProgress<long>
{
    private readonly ByteProgress _bytes = new(total, TimeSpan.FromSeconds(1), snapshot => error.WriteLine(snapshot.Describe(verb)));

    public void Report(long value) => _bytes.Report(value);
}
