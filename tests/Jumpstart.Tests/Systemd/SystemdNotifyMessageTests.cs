using System.Text;
using Jumpstart.Shared.Systemd;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Systemd;

[Trait(Capabilities.Trait, Capabilities.Systemd)]
public sealed class SystemdNotifyMessageTests
{
    [Fact]
    public void Encode_ReadyWithStatus_IsNewlineSeparatedAssignments()
    {
        var bytes = SystemdNotifyMessage.Encode([SystemdNotifyMessage.Ready, SystemdNotifyMessage.Status("serving 3 VMs")]);

        Assert.Equal("READY=1\nSTATUS=serving 3 VMs\n", Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void Encode_StatusWithNewline_CannotInjectASecondAssignment()
    {
        var bytes = SystemdNotifyMessage.Encode([SystemdNotifyMessage.Status("node x\nMAINPID=1\r\nREADY=1")]);

        var decoded = SystemdNotifyMessage.Decode(bytes);
        var only = Assert.Single(decoded);
        Assert.Equal("STATUS", only.Key);
        Assert.Equal("node x MAINPID=1  READY=1", only.Value);
    }

    [Fact]
    public void Reloading_CarriesMonotonicUsec()
    {
        var bytes = SystemdNotifyMessage.Encode(SystemdNotifyMessage.Reloading(123456789));

        Assert.Equal("RELOADING=1\nMONOTONIC_USEC=123456789\n", Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void Encode_StopWatchdogAndMainPid_UseTheDocumentedNames()
    {
        var bytes = SystemdNotifyMessage.Encode([SystemdNotifyMessage.Stopping, SystemdNotifyMessage.Watchdog, SystemdNotifyMessage.MainPid(4242)]);

        Assert.Equal("STOPPING=1\nWATCHDOG=1\nMAINPID=4242\n", Encoding.UTF8.GetString(bytes));
    }

    [Theory]
    [InlineData("")]
    [InlineData("ready")]
    [InlineData("READY=")]
    [InlineData("RE ADY")]
    [InlineData("STATUS\n")]
    public void Encode_InvalidKey_ThrowsArgumentException(string key)
    {
        Assert.Throws<ArgumentException>(() => SystemdNotifyMessage.Encode([new KeyValuePair<string, string>(key, "1")]));
    }

    [Fact]
    public void Encode_NoAssignments_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => SystemdNotifyMessage.Encode([]));
    }

    [Fact]
    public void Encode_HugeStatus_IsCutToTheBound()
    {
        var bytes = SystemdNotifyMessage.Encode([SystemdNotifyMessage.Status(new string('x', 100_000))]);

        var value = Assert.Single(SystemdNotifyMessage.Decode(bytes)).Value;
        Assert.Equal(SystemdNotifyMessage.MaxValueLength, value.Length);
    }

    [Fact]
    public void Encode_NonAsciiStatus_IsUtf8()
    {
        var bytes = SystemdNotifyMessage.Encode([SystemdNotifyMessage.Status("nœud ✓")]);

        Assert.Equal("STATUS=nœud ✓\n"u8.ToArray(), bytes);
    }

    [Fact]
    public void MainPid_Zero_IsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SystemdNotifyMessage.MainPid(0));
    }
}
