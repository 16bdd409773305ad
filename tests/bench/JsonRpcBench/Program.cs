using System.Runtime.InteropServices;
using Jumpstart.Bench.JsonRpc;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.JsonRpc;

// jsonrpc bench: "run --interop DIR [--seconds N] [--warmup N] [--concurrency N]" measures; "serve PATH" is the
// server process that "run" starts for our side.
using var stopping = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stopping.Cancel();
});

switch (args)
{
    case ["serve", var path]:
        await using (JsonRpcServer.ListenUnix(path, connection => connection.AddLocalRpcMethod("add", (int a, int b) => a + b)))
        {
            Console.WriteLine($"LISTENING {path}");
            try
            {
                await Task.Delay(Timeout.Infinite, stopping.Token);
            }
            catch (OperationCanceledException)
            {
                // SIGTERM: stop serving.
            }
        }

        return ExitCodes.Ok;
    case ["run", .. var rest]:
        var settings = BenchSettings.Parse(rest, out var error);
        if (settings is null)
        {
            await Console.Error.WriteLineAsync($"jsonrpc bench: {error}");
            return ExitCodes.Usage;
        }

        return await new BenchRun(settings).RunAsync(stopping.Token);
    default:
        await Console.Error.WriteLineAsync("usage: JsonRpcBench run --interop DIR [--seconds N] [--warmup N] [--concurrency N] | serve PATH");
        return ExitCodes.Usage;
}
