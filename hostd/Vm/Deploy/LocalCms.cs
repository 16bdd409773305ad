using System.Net;

namespace Jumpstart.Hostd.Vm.Deploy;

/// <summary>
/// The CMS this hostd runs: where it listens, the file holding its admin token (read when a plan needs it) and,
/// when set, the address guests are told to use instead of <paramref name="EndPoint"/> (Cms:GuestEndpoint).
/// </summary>
public sealed record LocalCms(IPEndPoint EndPoint, string AdminTokenFile, string? GuestEndpoint = null)
{
    /// <summary>Reads the admin token.</summary>
    /// <exception cref="InvalidDataException">The file holds no usable token.</exception>
    public string AdminToken() => Cms.AdminTokenFile.Read(AdminTokenFile);
}
