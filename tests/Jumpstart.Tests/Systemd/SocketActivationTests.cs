using System.Net.Sockets;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Systemd;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Systemd;

/// <summary>
/// Socket activation with systemd's own tool as the peer: systemd-socket-activate binds the sockets,
/// passes them as fds 3.. with LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES and execs jumpstart-hostd.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Systemd)]
public sealed class SocketActivationTests
{
    private const string SocketActivate = "systemd-socket-activate";
    private const string ControlSocket = Jumpstart.Hostd.Daemon.ControlSocket.ActivationName;

    [ToolFact(SocketActivate)]
    public async Task Start_WithPassedSockets_ServesTheControlSocketAndClosesTheUnclaimedOne()
    {
        using var dir = new TempDirectory("systemd");
        using var listener = NotifyListener.AtPath(dir.Combine("notify"));
        var control = dir.Combine("activated.sock");
        var extra = dir.Combine("extra.sock");
        await File.WriteAllTextAsync(HostdUnderTest.ConfigPath(dir), HostdUnderTest.Config("activated"));

        // systemd-socket-activate passes only TERM, PATH, USER and HOME on; the rest goes by -E.
        List<string> arguments =
        [
            "-l", control, "-l", extra, $"--fdname={ControlSocket}:extra",
            "-E", $"{SystemdEnvironment.NotifySocketVariable}={listener.Address}",
            "-E", $"{HostdUnderTest.AcceleratorVariable}=tcg",
        ];
        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } dotnetRoot)
        {
            arguments.AddRange(["-E", $"DOTNET_ROOT={dotnetRoot}"]);
        }

        arguments.Add(BuiltPrograms.Hostd);
        arguments.AddRange(HostdUnderTest.DefaultArguments(dir));
        await using var daemon = HostdUnderTest.StartWrapped(Requirements.RequireTool(SocketActivate), arguments, new Dictionary<string, string?>());

        // Without --accept, the tool waits for the first connection before it execs the daemon.
        using var first = await ConnectWhenBoundAsync(control);
        var status = await listener.WaitForReadyStatusAsync(HostdUnderTest.StepTimeout);

        Assert.Contains($"control {control} (socket-activated)", status, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.Combine("run", "hostd.sock")), "an activated daemon must not bind its own socket");
        using var second = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await second.ConnectAsync(new UnixDomainSocketEndPoint(control));
        var refused = await Assert.ThrowsAsync<SocketException>(async () =>
        {
            using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await probe.ConnectAsync(new UnixDomainSocketEndPoint(extra));
        });
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);

        var result = await daemon.StopAsync();
        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("closing fd 4 'extra'", result.StandardOutput, StringComparison.Ordinal);
    }

    private static async Task<Socket> ConnectWhenBoundAsync(string path)
        => (await Poll.ForAsync(ct => TryConnectAsync(path, ct), socket => socket is not null, HostdUnderTest.StepTimeout, $"a connection to {path}", interval: TimeSpan.FromMilliseconds(50)))!;

    private static async Task<Socket?> TryConnectAsync(string path, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
            return socket;
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }
    }
}
