using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Packaging;

/// <summary>
/// A test that boots a packaged system (<see cref="PackagedSystem"/>): it needs root, systemd-nspawn, nsenter,
/// mmdebstrap and the package builders. Skipped on a laptop without them; under <c>CI=true</c> it runs and fails
/// if something is missing (<see cref="Requirements"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class PackageFactAttribute : FactAttribute
{
    public static readonly string[] Tools = ["systemd-nspawn", "nsenter", "mmdebstrap", "dpkg-buildpackage", "rpmbuild"];

    public PackageFactAttribute(params string[] moreTools)
    {
        Skip = Requirements.SkipReason([.. Tools, .. moreTools], needsRoot: true);
    }
}
