using System.CommandLine;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Cli;

/// <summary><c>jumpstart vm list|stop|console</c>: the VMs of the local hostd.</summary>
public static class VmCommands
{
    public static Command Create()
    {
        var options = HostdCall.CreateOptions();
        var vm = new Command("vm", "The VMs on this host: list, stop, read the serial console.") { options.Socket, options.Json };
        vm.Subcommands.Add(CreateList(options));
        vm.Subcommands.Add(CreateStop(options));
        vm.Subcommands.Add(CreateConsole(options));
        return vm;
    }

    private static Command CreateList(HostdCall.Options options)
    {
        var command = new Command("list", "List the VMs, alive and dead.");
        command.SetAction((parse, cancellationToken) => HostdCall.RunAsync(parse, options, cancellationToken, async (connection, json, output) =>
        {
            var list = await connection.InvokeAsync<VmInfo[]>(HostMethods.VmList, cancellationToken: cancellationToken);
            await CliOutput.WriteAsync(output, json, list, Format);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command CreateStop(HostdCall.Options options)
    {
        var name = new Argument<string>("name") { Description = "The VM." };
        var command = new Command("stop", "Quit a VM's QEMU (killed if it does not quit) and remove its files and tap.") { name };
        command.SetAction((parse, cancellationToken) => HostdCall.RunAsync(parse, options, cancellationToken, async (connection, json, output) =>
        {
            await connection.InvokeAsync<bool>(HostMethods.VmStop, new NameRequest { Name = parse.GetRequiredValue(name) }, cancellationToken);
            await CliOutput.WriteAsync(output, json, new { stopped = parse.GetRequiredValue(name) }, _ => $"stopped {parse.GetRequiredValue(name)}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command CreateConsole(HostdCall.Options options)
    {
        var name = new Argument<string>("name") { Description = "The VM." };
        var bytes = new Option<int>("--bytes") { Description = "How much of the end of the serial log to show.", DefaultValueFactory = _ => 16 * 1024 };
        var command = new Command("console", "Print the end of a VM's serial console log.") { name, bytes };
        command.SetAction((parse, cancellationToken) => HostdCall.RunAsync(parse, options, cancellationToken, async (connection, json, output) =>
        {
            var text = await connection.InvokeAsync<string>(HostMethods.VmConsole, new ConsoleRequest { Name = parse.GetRequiredValue(name), MaxBytes = parse.GetValue(bytes) }, cancellationToken);
            await CliOutput.WriteAsync(output, json, new { name = parse.GetRequiredValue(name), console = text }, _ => text);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static string Format(VmInfo[] list) => list.Length == 0
        ? "no VMs"
        : string.Join('\n', [
            $"{"NAME",-24} {"ROLE",-9} {"STATE",-8} {"RUN",-12} {"PID",8} {"BUNDLE",-20} {"TAP",-14}",
            .. list.Select(v => $"{v.Name,-24} {v.Role,-9} {v.State,-8} {v.RunState ?? "-",-12} {v.Pid,8} {v.Bundle ?? "-",-20} {v.Tap ?? "-",-14}{(v.EndReason is { } why ? $"  ({why})" : string.Empty)}")]);
}
