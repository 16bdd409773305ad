using Jumpstart.Shared.IO;

namespace Jumpstart.Guestd.Identity;

/// <summary>
/// /etc/machine-id: 32 lowercase hex digits and a newline, random per instance (machine-id(5)). A
/// clone that kept the template's would collide in journald, DHCP client ids and D-Bus.
/// </summary>
/// <remarks>
/// Generated like systemd's sd_id128_randomize(): 128 random bits formatted as a v4 UUID without
/// dashes. The bits come straight from the kernel (/dev/urandom), after the RNG was reseeded, so
/// siblings cannot draw the same bits; .NET's RandomNumberGenerator would need OpenSSL, which a
/// minimal guest need not have.
/// </remarks>
public static class MachineId
{
    public const string RelativePath = "etc/machine-id";

    /// <summary>Older D-Bus installations keep their own copy; updated when it is a regular file.</summary>
    public const string DbusRelativePath = "var/lib/dbus/machine-id";

    private const int IdBytes = 16;

    /// <summary>Most bytes read from an existing machine-id (the id is 33 with its newline).</summary>
    private const int MaxFileBytes = IdBytes * 4;
    private const UnixFileMode ReadOnlyForAll = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>The kernel's CRNG.</summary>
    public const string RandomDevice = "/dev/urandom";

    /// <summary>A fresh random machine id.</summary>
    public static string Generate()
    {
        Span<byte> id = stackalloc byte[IdBytes];
        using (var random = new FileStream(RandomDevice, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0))
        {
            random.ReadExactly(id);
        }

        id[6] = (byte)((id[6] & 0x0F) | 0x40);
        id[8] = (byte)((id[8] & 0x3F) | 0x80);
        return Convert.ToHexStringLower(id);
    }

    /// <summary>The id under <paramref name="root"/>, or null when absent or malformed.</summary>
    public static string? Read(string root)
    {
        var path = Path.Combine(root, RelativePath);
        if (!File.Exists(path))
        {
            return null;
        }

        string text;
        try
        {
            text = BoundedFile.ReadAllText(path, MaxFileBytes).Trim();
        }
        catch (InputFileException)
        {
            return null;
        }

        return text.Length == IdBytes * 2 && text.All(char.IsAsciiHexDigitLower) ? text : null;
    }

    /// <summary>Writes <paramref name="id"/> to etc/machine-id (and D-Bus's copy) under <paramref name="root"/>, atomically.</summary>
    public static void Write(string root, string id)
    {
        if (id.Length != IdBytes * 2 || !id.All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException($"'{id}' is not 32 lowercase hex digits", nameof(id));
        }

        var path = Path.Combine(root, RelativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllText(path, id + "\n", ReadOnlyForAll);
        var dbus = new FileInfo(Path.Combine(root, DbusRelativePath));
        if (dbus.Exists && dbus.LinkTarget is null)
        {
            AtomicFile.WriteAllText(dbus.FullName, id + "\n", ReadOnlyForAll);
        }
    }
}
