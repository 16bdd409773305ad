namespace Jumpstart.Shared.Cli;

/// <summary>Process exit codes, sysexits(3) style, shared by the daemons and the CLI.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>Generic failure that fits no other class (e.g. a remote call answered with an error).</summary>
    public const int Failure = 1;
    public const int Usage = 64;
    public const int DataError = 65;
    public const int NoInput = 66;
    public const int Unavailable = 69;
    public const int Software = 70;
    public const int IoError = 74;
    public const int TempFail = 75;
    public const int NoPermission = 77;
    public const int Config = 78;
}
