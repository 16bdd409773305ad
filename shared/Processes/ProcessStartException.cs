namespace Jumpstart.Shared.Processes;

/// <summary>A program could not be started at all (not found, not executable).</summary>
public sealed class ProcessStartException : Exception
{
    public ProcessStartException(string fileName, string reason, Exception? inner = null)
        : base($"cannot start '{fileName}': {reason}", inner)
    {
        FileName = fileName;
    }

    public string FileName { get; }
}
