using Jumpstart.Shared.Nbd.Protocol;
using Jumpstart.Shared.Nbd.Server;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Nbd.Server;

/// <summary>What a client sees when the export itself fails: the error for that request, never a dropped connection.</summary>
[Trait(Capabilities.Trait, Capabilities.Nbd)]
public sealed class NbdExportFailureTests
{
    [Fact]
    public async Task FileTruncatedUnderTheExport_ReadsBeyondTheNewEndFailWithEio_OthersStillWork()
    {
        await using var server = NbdTestServer.Start();
        await using var client = await RawNbdClient.ConnectUnixAsync(server.SocketPath);
        await client.HandshakeAsync(NbdTestServer.ExportName);
        var before = await client.ReadBlockAsync(100, 4096);

        // Someone truncates the image while it is served: the export's size is fixed, the bytes are gone.
        await using (var file = new FileStream(server.ImagePath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            file.SetLength(8 * TestImage.MiB);
        }

        await client.SendRequestAsync(NbdCommand.Read, 9, (ulong)(12 * TestImage.MiB), 4096);
        Assert.Equal(NbdError.Io, (await client.ReadSimpleReplyAsync()).Error);
        Assert.Equal(before, await client.ReadBlockAsync(100, 4096));
        Assert.Equal(1, server.Exports.StatisticsOf(NbdTestServer.ExportName)!.Errors);
    }

    [Fact]
    public async Task ExportThrowingAnUnexpectedException_AnswersEio_AndTheConnectionGoesOn()
    {
        using var directory = new TempDirectory("nbd-fault");
        var path = directory.Combine("disk.raw");
        TestImage.Create(path);
        using var file = FileExport.Open(path, readOnly: true);
        var exports = new NbdExportSet();
        exports.Add("faulty", new FaultyExport(file, faultAt: 4 * TestImage.MiB));
        await using var server = NbdServer.ListenUnix(directory.Combine("nbd.sock"), exports);
        await using var client = await RawNbdClient.ConnectUnixAsync(directory.Combine("nbd.sock"));
        await client.HandshakeAsync("faulty");

        await client.SendRequestAsync(NbdCommand.Read, 1, (ulong)(4 * TestImage.MiB), 512);
        Assert.Equal(NbdError.Io, (await client.ReadSimpleReplyAsync()).Error);
        await client.SendRequestAsync(NbdCommand.Read, 2, (ulong)(4 * TestImage.MiB) + 512, 512);
        Assert.Equal(NbdError.NoSpc, (await client.ReadSimpleReplyAsync()).Error);
        Assert.Equal(512, (await client.ReadBlockAsync(0, 512)).Length);
    }

    /// <summary>Fault injection around a real file export: one offset throws a bug-like exception, the next an NBD error.</summary>
    private sealed class FaultyExport(FileExport inner, long faultAt) : ForwardingExport(inner)
    {
        /// <summary>Never at once: every read goes through <see cref="ReadAsync"/>, where the faults are.</summary>
        public override bool TryRead(long offset, Span<byte> destination) => false;

        public override ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken) => offset switch
        {
            _ when offset == faultAt => throw new InvalidOperationException("injected bug"),
            _ when offset == faultAt + 512 => throw new NbdErrorException(NbdError.NoSpc, "injected error"),
            _ => base.ReadAsync(offset, destination, cancellationToken),
        };
    }
}
