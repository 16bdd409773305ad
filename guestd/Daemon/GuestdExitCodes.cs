using Jumpstart.Guestd.Cms;
using Jumpstart.Guestd.Configuration;
using Jumpstart.Guestd.Network;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Metadata;

namespace Jumpstart.Guestd.Daemon;

/// <summary>Maps a failed configuration to a sysexits-style exit code, in one place.</summary>
public static class GuestdExitCodes
{
    public static int For(GuestConfigException failure) => failure switch
    {
        InvalidMetadataException => ExitCodes.DataError,
        CmsUnavailableException => ExitCodes.Unavailable,
        NetworkConfigurationException => ExitCodes.Software,
        { InnerException: MetadataException } => ExitCodes.DataError,
        { InnerException: FileNotFoundException or DirectoryNotFoundException } => ExitCodes.NoInput,
        { InnerException: UnauthorizedAccessException } => ExitCodes.NoPermission,
        { InnerException: IOException } => ExitCodes.IoError,
        _ => ExitCodes.Failure,
    };
}
