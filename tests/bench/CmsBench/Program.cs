using System.Runtime.InteropServices;
using Jumpstart.Bench.Cms;
using Jumpstart.Shared.Cli;

// cms bench: "run [--instances N] [--rounds N] [--policy master-workers|all-same] [--store sqlite|etcd] [--etcd-members 1|3]".
using var stopping = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stopping.Cancel();
});

if (args is ["run", .. var rest])
{
    var settings = CmsBenchSettings.Parse(rest, out var error);
    if (settings is null)
    {
        await Console.Error.WriteLineAsync($"cms bench: {error}");
        return ExitCodes.Usage;
    }

    return await new CmsBenchRun(settings).RunAsync(stopping.Token);
}

await Console.Error.WriteLineAsync("usage: CmsBench run [--instances N] [--rounds N] [--policy master-workers|all-same] [--store sqlite|etcd] [--etcd-members 1|3]");
return ExitCodes.Usage;
