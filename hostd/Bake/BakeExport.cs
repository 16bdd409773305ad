namespace Jumpstart.Hostd.Bake;

/// <summary>
/// Copies a baked image out of the cache as <c>NAME.qcow2</c>, <c>NAME.vmlinuz</c>, <c>NAME.initrd.img</c> and
/// <c>NAME.json</c> (copies: the cache may be pruned); each file appears
/// under its name only when complete (written under a temporary name, then renamed).
/// </summary>
public static class BakeExport
{
    public sealed record Paths(string Image, string Kernel, string Initrd, string Manifest);

    public static Paths To(BakeResult result, string name, string directory)
    {
        Directory.CreateDirectory(directory);
        var paths = new Paths(
            Path.Combine(directory, name + ".qcow2"),
            Path.Combine(directory, name + ".vmlinuz"),
            Path.Combine(directory, name + ".initrd.img"),
            Path.Combine(directory, name + ".json"));
        Place(Path.Combine(result.Directory, BakeManifest.InitrdFileName), paths.Initrd);
        Place(Path.Combine(result.Directory, BakeManifest.KernelFileName), paths.Kernel);
        Place(Path.Combine(result.Directory, BakeManifest.ImageFileName), paths.Image);
        Place(Path.Combine(result.Directory, BakeManifest.FileName), paths.Manifest);
        return paths;
    }

    private static void Place(string source, string target)
    {
        var temporary = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Environment.ProcessId}.tmp");
        File.Delete(temporary);
        try
        {
            File.Copy(source, temporary);
            File.Move(temporary, target, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
