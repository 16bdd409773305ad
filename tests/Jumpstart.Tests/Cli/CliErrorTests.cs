using Jumpstart.Hostd.Cli;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.JsonRpc;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Cli;

/// <summary>
/// How failures become exit codes: an area exception and a service's error code map in one place, a bug exits 70
/// (EX_SOFTWARE), never 1. The service here is a real JSON-RPC server on a unix socket standing in for hostd.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Cli)]
public sealed class CliErrorTests
{
    [Fact]
    public async Task UnexpectedExceptionInACommand_Exits70_AndSaysWhatItWas()
    {
        using var error = new StringWriter();

        var code = await CliAction.RunAsync(error, () => throw new InvalidOperationException("a bug in the CLI"));

        Assert.Equal(ExitCodes.Software, code);
        Assert.Contains("internal error (InvalidOperationException): a bug in the CLI", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServiceThatFailsUnexpectedly_AnswersInternalError_AndTheCliExits70()
    {
        using var directory = new TempDirectory("cli-errors");
        var socket = directory.Combine("hostd.sock");
        await using var hostd = JsonRpcServer.ListenUnix(socket, c => c.AddLocalRpcMethod(HostMethods.Status, new Func<HostStatus>(() => throw new KeyNotFoundException("a bug in hostd"))));

        var (code, error) = await RunAsync("status", "--socket", socket);

        Assert.Equal(ExitCodes.Software, code);
        Assert.Contains("a bug in hostd", error, StringComparison.Ordinal);
        Assert.Contains("-32603", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServiceRefusalWithAnAreaException_ExitsWithThatAreasCode()
    {
        using var directory = new TempDirectory("cli-errors");
        var socket = directory.Combine("hostd.sock");
        await using var hostd = JsonRpcServer.ListenUnix(socket, c => c.AddLocalRpcMethod(HostMethods.VmList, new Func<VmInfo[]>(() => throw new VmNotFoundException("web-1"))));

        var (code, error) = await RunAsync("vm", "list", "--socket", socket);

        Assert.Equal(new VmNotFoundException("web-1").ExitCode, code);
        Assert.Equal(ExitCodes.NoInput, code);
        Assert.Contains($"code {HostErrorCodes.NotFound}", error, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await JumpstartCli.RunAsync(args, output, error);
        return (code, error.ToString());
    }
}
