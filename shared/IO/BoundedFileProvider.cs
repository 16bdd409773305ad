using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;

namespace Jumpstart.Shared.IO;

/// <summary>
/// Gives Microsoft.Extensions.Configuration's file sources (<c>AddJsonFile</c>) their file through
/// <see cref="BoundedFile"/>: a configuration file must be a regular file of at most the limit, also when it is
/// read again on a reload. Paths are used as given (absolute); nothing is watched.
/// </summary>
public sealed class BoundedFileProvider(long maxBytes) : IFileProvider
{
    public IFileInfo GetFileInfo(string subpath) => new BoundedFileInfo(subpath, maxBytes);

    public IDirectoryContents GetDirectoryContents(string subpath) => NotFoundDirectoryContents.Singleton;

    public IChangeToken Watch(string filter) => NullChangeToken.Singleton;

    /// <remarks>
    /// <see cref="PhysicalPath"/> is null on purpose: the configuration provider opens a physical path itself, and
    /// only a file without one is read through <see cref="CreateReadStream"/>. A directory "exists", so it is
    /// refused loudly rather than taken for a missing optional file.
    /// </remarks>
    private sealed class BoundedFileInfo(string path, long maxBytes) : IFileInfo
    {
        public bool Exists => File.Exists(path) || Directory.Exists(path);

        public long Length => -1;

        public string? PhysicalPath => null;

        public string Name => System.IO.Path.GetFileName(path);

        public DateTimeOffset LastModified => File.GetLastWriteTimeUtc(path);

        public bool IsDirectory => false;

        public Stream CreateReadStream() => BoundedFile.OpenRead(path, maxBytes);
    }
}
