using System.Net.Sockets;
using Jumpstart.Shared.IO;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace Jumpstart.Tests.IO;

/// <summary>
/// Issue 13 §5: the one reader of files someone else named. A file is refused by its kind before it is read, and
/// its limit is counted on the bytes read, never taken from the size a file reports (0 for a device or a /proc file).
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Cli)]
[Trait(Capabilities.Trait, Capabilities.Hostile)]
public sealed class BoundedFileTests
{
    /// <summary>Bound on an open that must not wait (a FIFO without a writer would wait forever).</summary>
    private static readonly TimeSpan s_openBound = TimeSpan.FromSeconds(10);

    [Fact]
    public void ReadAllBytes_OfAFileUpToItsLimit_ReturnsEveryByte()
    {
        using var dir = new TempDirectory("bounded");
        var path = dir.Combine("exact");
        var content = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        File.WriteAllBytes(path, content);

        Assert.Equal(content, BoundedFile.ReadAllBytes(path, content.Length));
        Assert.Equal(content, BoundedFile.ReadAllBytes(path, content.Length + 1));
    }

    [Fact]
    public void ReadAllBytes_OfAFileOneByteOverItsLimit_IsRefusedAsTooLarge()
    {
        using var dir = new TempDirectory("bounded");
        var path = dir.Combine("over");
        File.WriteAllBytes(path, new byte[1001]);

        var error = Assert.Throws<InputFileException>(() => BoundedFile.ReadAllBytes(path, 1000));

        Assert.Equal(InputFileProblem.TooLarge, error.Problem);
        Assert.Equal($"{path} is larger than 1000 bytes, the most read from this file", error.Message);
        Assert.Equal(Jumpstart.Shared.Cli.ExitCodes.DataError, error.ExitCode);
    }

    [Fact]
    public void ReadAllText_OfAProcFileThatReportsNoSize_ReadsItAllAndStopsAtTheLimitWhileReading()
    {
        // /proc/self/status is a regular file whose size says 0: only counting the bytes read can bound it.
        Assert.Equal(0, new FileInfo("/proc/self/status").Length);

        Assert.Contains("VmRSS:", BoundedFile.ReadAllText("/proc/self/status", 64 * 1024), StringComparison.Ordinal);
        var error = Assert.Throws<InputFileException>(() => BoundedFile.ReadAllText("/proc/self/status", 100));
        Assert.Equal(InputFileProblem.TooLarge, error.Problem);
    }

    [Fact]
    public void OpenRead_OfAFileThatGrowsPastItsLimitAfterItWasOpened_FailsWhileReading()
    {
        using var dir = new TempDirectory("bounded");
        var path = dir.Combine("growing");
        File.WriteAllBytes(path, new byte[10]);
        using var stream = BoundedFile.OpenRead(path, 100);
        File.AppendAllText(path, new string('x', 200));
        var buffer = new byte[64];

        var error = Assert.Throws<InputFileException>(() =>
        {
            while (stream.Read(buffer) > 0)
            {
            }
        });

        Assert.Equal(InputFileProblem.TooLarge, error.Problem);
        Assert.Equal(101, stream.Position);
    }

    [Theory]
    [MemberData(nameof(HostileFiles.NonRegularKinds), MemberType = typeof(HostileFiles))]
    public async Task ReadAllBytes_OfAnythingButARegularFile_IsRefusedWithoutReadingOrWaiting(string kind)
    {
        using var dir = new TempDirectory("bounded");
        var path = HostileFiles.Make(dir, kind, 0);

        var error = await Assert.ThrowsAsync<InputFileException>(() => Task.Run(() => BoundedFile.ReadAllBytes(path, 1 << 20)).WaitAsync(s_openBound));

        Assert.Equal(InputFileProblem.WrongKind, error.Problem);
        Assert.Equal($"{path} {HostileFiles.Refusal(kind)}", error.Message);
    }

    [Fact]
    public void ReadAllText_OfASocketOrASymlinkToADevice_IsRefusedByWhatItIs()
    {
        using var dir = new TempDirectory("bounded");
        var socketPath = dir.Combine("socket");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        var link = dir.Combine("zero-link");
        File.CreateSymbolicLink(link, "/dev/zero");

        Assert.Equal($"{socketPath} is a socket, not a regular file", Assert.Throws<InputFileException>(() => BoundedFile.ReadAllText(socketPath, 100)).Message);
        Assert.Equal($"{link} is a character device, not a regular file", Assert.Throws<InputFileException>(() => BoundedFile.ReadAllText(link, 100)).Message);
    }

    [Fact]
    public void Open_ForADiscReader_TakesARegularFileAndRefusesACharacterDevice()
    {
        using var dir = new TempDirectory("bounded");
        var image = dir.Combine("image");
        File.WriteAllBytes(image, new byte[4096]);

        using (var stream = BoundedFile.Open(image, FileKinds.Regular | FileKinds.BlockDevice))
        {
            Assert.Equal(4096, stream.Length);
        }

        var error = Assert.Throws<InputFileException>(() => BoundedFile.Open(HostileFiles.Zero, FileKinds.Regular | FileKinds.BlockDevice));
        Assert.Equal("/dev/zero is a character device, not a regular file or a block device", error.Message);
    }

    [Fact]
    public void ReadAllBytes_OfAMissingFile_IsFileNotFound()
    {
        using var dir = new TempDirectory("bounded");

        Assert.Throws<FileNotFoundException>(() => BoundedFile.ReadAllBytes(dir.Combine("missing"), 100));
    }

    [Fact]
    public async Task Configuration_ThroughTheBoundedProvider_ReadsAJsonFileAndRefusesADeviceAFifoAndAnOversizeFile()
    {
        using var dir = new TempDirectory("bounded");
        var good = dir.Combine("good.json");
        await File.WriteAllTextAsync(good, """{ "Hostd": { "NodeName": "hv-1" } }""");
        var provider = new BoundedFileProvider(1024);

        var configuration = new ConfigurationBuilder().AddJsonFile(provider, good, optional: false, reloadOnChange: false).Build();
        Assert.Equal("hv-1", configuration["Hostd:NodeName"]);

        foreach (var kind in new[] { HostileFiles.Zero, HostileFiles.Fifo, HostileFiles.Directory, HostileFiles.Oversize })
        {
            var path = HostileFiles.Make(dir, kind, 1024);
            var error = await Assert.ThrowsAsync<InputFileException>(() => Task.Run(() => new ConfigurationBuilder().AddJsonFile(provider, path, optional: true, reloadOnChange: false).Build()).WaitAsync(s_openBound));
            Assert.Contains($"{path} {HostileFiles.Refusal(kind, 1024)}", error.Message, StringComparison.Ordinal);
        }
    }
}
