using System.Security.Cryptography;
using Jumpstart.Shared.IO;

namespace Jumpstart.Hostd.Cms;

/// <summary>Reads the CMS admin token from its file, creating the file (mode 0600) with a fresh token if absent.</summary>
public static class AdminTokenFile
{
    private const int TokenBytes = 32;
    private const int MaxFileBytes = 4096;

    /// <summary>Returns the token in <paramref name="path"/>, generating it on first use.</summary>
    /// <exception cref="InvalidDataException">The file exists but holds no usable token.</exception>
    public static string LoadOrCreate(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }

            var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(TokenBytes));
            try
            {
                // CreateNew with an explicit create mode: the file is never readable by others, not even briefly.
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                using var stream = new FileStream(path, options);
                using var writer = new StreamWriter(stream);
                writer.WriteLine(token);
                writer.Flush();
                stream.Flush(flushToDisk: true);
                return token;
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created it first; use theirs.
            }
        }

        return Read(path);
    }

    /// <summary>Reads an existing token file (the CLI side).</summary>
    /// <exception cref="InvalidDataException">The file is empty.</exception>
    /// <exception cref="InputFileException">Not a regular file, or larger than a token file may be.</exception>
    public static string Read(string path)
    {
        var token = BoundedFile.ReadAllText(path, MaxFileBytes).Trim();
        return token.Length == 0 ? throw new InvalidDataException($"admin token file '{path}' is empty") : token;
    }
}
