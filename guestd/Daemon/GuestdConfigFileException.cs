namespace Jumpstart.Guestd.Daemon;

/// <summary>guestd's own configuration file is unusable (exit 78).</summary>
public sealed class GuestdConfigFileException(string path, string message, Exception? inner = null)
    : Exception($"{path}: {message}", inner)
{
    public string Path { get; } = path;
}
