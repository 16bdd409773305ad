namespace Jumpstart.Tests.Support;

/// <summary>Collects reports into a list as they are made (Progress&lt;T&gt; would post them later, on the thread pool).</summary>
public sealed class CollectingProgress<T>(List<T> reports) : IProgress<T>
{
    public void Report(T value)
    {
        lock (reports)
        {
            reports.Add(value);
        }
    }
}
