using System.Net;

namespace Jumpstart.Hostd.Vm.Deploy;

/// <summary>The CMS this hostd runs: where it listens and the file holding its admin token (read when a plan needs it).</summary>
public sealed record LocalCms(IPEndPoint EndPoint, string AdminTokenFile)
{
    /// <summary>Reads the admin token.</summary>
    /// <exception cref="InvalidDataException">The file holds no usable token.</exception>
    public string AdminToken() => Cms.AdminTokenFile.Read(AdminTokenFile);
}
