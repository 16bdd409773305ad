using System.Net.Sockets;
using System.Runtime.InteropServices;
using Jumpstart.Shared.Systemd;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Mono.Unix.Native;
using Xunit;

namespace Jumpstart.Tests.Systemd;

/// <summary>
/// Claiming and closing passed descriptors in-process: the test duplicates real listening sockets
/// to fresh descriptor numbers and hands those over as systemd would.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Systemd)]
public sealed class SystemdSocketActivationTests
{
    private const int FdCloexec = 1;

    /// <summary>fcntl(2) F_DUPFD_CLOEXEC: dup with close-on-exec set atomically.</summary>
    private const int FDupfdCloexec = 1030;

    /// <summary>
    /// A listening socket on an abstract address (no file: disposing the original .NET socket
    /// would unlink a path) and a dup of it as the "passed" descriptor.
    /// </summary>
    /// <remarks>
    /// Other tests in this process start children (ip, qemu -daemonize) at any moment. A plain dup()
    /// has no close-on-exec flag until SystemdSocketActivation sets it, and a child forked in that
    /// window would keep the listener alive; tests that need the socket to really close ask for an
    /// atomically close-on-exec copy.
    /// </remarks>
    private static (Socket Original, int PassedFd, UnixDomainSocketEndPoint Address) PassListeningSocket(bool closeOnExec = false)
    {
        var address = new UnixDomainSocketEndPoint($"\0jumpstart-test-activation-{Guid.NewGuid():N}");
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(address);
        socket.Listen(4);
        var fd = closeOnExec ? DupCloseOnExec((int)socket.Handle, FDupfdCloexec, 0) : Syscall.dup((int)socket.Handle);
        Assert.True(fd >= 0, $"dup failed: {Stdlib.GetLastError()}");
        return (socket, fd, address);
    }

    private static SystemdSocketActivation Activation(params PassedDescriptor[] descriptors)
        => new(new SystemdEnvironment { ListenFds = descriptors }, NullLogger<SystemdSocketActivation>.Instance);

    [Fact]
    public async Task TakeSocket_ByName_ReturnsAWorkingListenerMarkedCloseOnExec()
    {
        var (original, fd, address) = PassListeningSocket();
        original.Dispose(); // only the passed copy keeps the socket open now
        using var activation = Activation(new PassedDescriptor(fd, "control"));

        Assert.Equal(FdCloexec, Syscall.fcntl(fd, FcntlCommand.F_GETFD));
        using var listener = activation.TakeSocket("control");

        Assert.NotNull(listener);
        Assert.Empty(activation.Unclaimed);
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(address);
        using var accepted = await listener.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(accepted.Connected);
    }

    [Fact]
    public void TakeSocket_UnknownName_ReturnsNullAndTakesNothing()
    {
        var (original, fd, _) = PassListeningSocket();
        using var keepOpen = original;
        using var activation = Activation(new PassedDescriptor(fd, "metrics"));

        Assert.Null(activation.TakeSocket("control"));
        Assert.Equal([new PassedDescriptor(fd, "metrics")], activation.Unclaimed);
    }

    [Fact]
    public async Task CloseUnclaimed_ClosesThePassedDescriptor_SoTheSocketStopsListening()
    {
        var (original, fd, address) = PassListeningSocket(closeOnExec: true);
        original.Dispose();
        using var activation = Activation(new PassedDescriptor(fd, "extra"));

        Assert.Equal(1, activation.CloseUnclaimed());

        Assert.Empty(activation.Unclaimed);
        var refused = await Assert.ThrowsAsync<SocketException>(async () =>
        {
            using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await probe.ConnectAsync(address);
        });
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public void TakeSocket_OnANonSocket_ThrowsAndReleasesTheDescriptor()
    {
        using var dir = new TempDirectory("activation");
        var file = dir.Combine("plain");
        File.WriteAllText(file, "not a socket");
        var fd = Syscall.open(file, OpenFlags.O_RDONLY);
        Assert.True(fd >= 0);
        using var activation = Activation(new PassedDescriptor(fd, "control"));

        Assert.Throws<SystemdActivationException>(() => activation.TakeSocket("control"));

        Assert.Empty(activation.Unclaimed);
        Assert.Equal(0, activation.CloseUnclaimed());
    }

    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int DupCloseOnExec(int fd, int command, int lowestFd);
}
