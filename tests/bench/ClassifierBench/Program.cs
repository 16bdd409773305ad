using System.Runtime.InteropServices;
using Jumpstart.Bench.Classifier;
using Jumpstart.Shared.Cli;

// classifier bench: "run [--data CSV] [--repeats N] [--seed N] [--peers N]" (data defaults to <repository>/../shared/data/nims/nims-22.csv).
using var stopping = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stopping.Cancel();
});

if (args is ["run", "--root", var root, .. var rest])
{
    var settings = ClassifierBenchSettings.Parse(rest, Path.Combine(root, "..", "shared", "data", "nims", "nims-22.csv"), out var error);
    if (settings is null)
    {
        await Console.Error.WriteLineAsync($"classifier bench: {error}");
        return ExitCodes.Usage;
    }

    return await new ClassifierBenchRun(settings, root).RunAsync(stopping.Token);
}

await Console.Error.WriteLineAsync("usage: ClassifierBench run --root REPOSITORY [--data CSV] [--repeats N] [--seed N] [--peers N]");
return ExitCodes.Usage;
