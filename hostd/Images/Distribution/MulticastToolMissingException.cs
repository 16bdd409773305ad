namespace Jumpstart.Hostd.Images.Distribution;

/// <summary>uftp or uftpd is not installed (Debian package <c>uftp</c>); the CLI exits 69 (unavailable).</summary>
public sealed class MulticastToolMissingException(string tool)
    : MulticastException($"'{tool}' is not installed: multicast distribution needs the Debian package 'uftp' (apt-get install uftp)")
{
    /// <summary>The program that was not found.</summary>
    public string Tool { get; } = tool;
}
