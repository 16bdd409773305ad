namespace Jumpstart.Bench.Flows;

public static partial class FlowsBench
{
    private static Task LiveAsync(BenchOptions options, List<string> summary) => Task.CompletedTask;
}
