using System.Runtime.InteropServices;
using Jumpstart.Bench.Nbd;
using Jumpstart.Shared.Cli;

// nbd bench: "run --jumpstart PATH [options]" (see BenchSettings.Usage).
using var stopping = new CancellationTokenSource();
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
{
    context.Cancel = true;
    stopping.Cancel();
});

if (args is not ["run", .. var rest])
{
    await Console.Error.WriteLineAsync(BenchSettings.Usage);
    return ExitCodes.Usage;
}

var settings = BenchSettings.Parse(rest, out var error);
if (settings is null)
{
    await Console.Error.WriteLineAsync($"nbd bench: {error}\n{BenchSettings.Usage}");
    return ExitCodes.Usage;
}

foreach (var tool in new[] { "qemu-nbd", "nbdkit", "nbdcopy", "fio" })
{
    if (!(Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Any(dir => File.Exists(Path.Combine(dir, tool))))
    {
        await Console.Error.WriteLineAsync($"nbd bench: '{tool}' is missing; run packaging/setup");
        return ExitCodes.Unavailable;
    }
}

return await new NbdBenchRun(settings).RunAsync(stopping.Token);
