using Jumpstart.Hostd.Cli;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
return await JumpstartCli.RunAsync(args, cancellationToken: cancel.Token);
