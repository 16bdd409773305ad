using System.Security.Cryptography;
using System.Text.Json;
using Jumpstart.Hostd.Vm.Bundles;
using Jumpstart.Hostd.Vm.Supervisor;

namespace Jumpstart.Tests.Store;

/// <summary>
/// A bundle the verifier accepts, written without a VM: a default spec, random bytes as the migration stream and
/// a manifest with their sizes and SHA-256. (A real template needs QEMU; the store only moves the files.)
/// </summary>
internal static class HandMadeBundle
{
    public static Task<string> WriteAsync(BundleStore store, string name, int stateBytes)
        => WriteAsync(store, name, path => File.WriteAllBytesAsync(path, RandomNumberGenerator.GetBytes(stateBytes)));

    /// <summary>As above with a state of <paramref name="stateBytes"/> zeros in a sparse file (big bundles that take no room).</summary>
    public static Task<string> WriteSparseAsync(BundleStore store, string name, long stateBytes)
        => WriteAsync(store, name, path =>
        {
            using var file = File.Create(path);
            file.SetLength(stateBytes);
            return Task.CompletedTask;
        });

    private static async Task<string> WriteAsync(BundleStore store, string name, Func<string, Task> writeState)
    {
        var directory = store.PathOf(name);
        Directory.CreateDirectory(directory);
        await File.WriteAllBytesAsync(Path.Combine(directory, BundleFiles.Spec), JsonSerializer.SerializeToUtf8Bytes(new VmSpec(), BundleJson.Options));
        await writeState(Path.Combine(directory, BundleFiles.State));
        var manifest = new BundleManifest
        {
            Name = name,
            CreatedAt = DateTimeOffset.UtcNow,
            MemoryFormat = MemoryFormat.Stream,
            Accelerator = Accelerator.Tcg,
            QemuVersion = "7.2.0",
            Parts = [await PartAsync(directory, BundleFiles.Spec, BundlePartRole.Spec), await PartAsync(directory, BundleFiles.State, BundlePartRole.State)],
        };
        await File.WriteAllBytesAsync(Path.Combine(directory, BundleManifest.FileName), JsonSerializer.SerializeToUtf8Bytes(manifest, BundleJson.Options));
        return directory;
    }

    private static async Task<BundlePart> PartAsync(string directory, string file, BundlePartRole role) => new()
    {
        File = file,
        Role = role,
        Size = new FileInfo(Path.Combine(directory, file)).Length,
        Sha256 = await BundleVerifier.HashAsync(Path.Combine(directory, file), CancellationToken.None),
    };
}
