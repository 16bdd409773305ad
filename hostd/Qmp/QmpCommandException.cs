using System.Text.Json;

namespace Jumpstart.Hostd.Qmp;

/// <summary>QEMU answered a command with an <c>error</c> object.</summary>
/// <remarks>
/// QMP specification (docs/interop/qmp-spec, "2.4.2 error"): <c>{"error": {"class": ..., "desc": ...}, "id": ...}</c>.
/// QEMU 7.2 still uses the classes GenericError, CommandNotFound, DeviceNotActive, DeviceNotFound,
/// KVMMissingCap. <see cref="FromError"/> is the one place a native error becomes an exception.
/// </remarks>
public class QmpCommandException : QmpException
{
    protected QmpCommandException(string command, string errorClass, string description)
        : base($"QEMU refused {command}: {description} ({errorClass})")
    {
        Command = command;
        ErrorClass = errorClass;
        Description = description;
    }

    /// <summary>The command QEMU refused.</summary>
    public string Command { get; }

    /// <summary>QMP's error class, e.g. <c>GenericError</c>.</summary>
    public string ErrorClass { get; }

    /// <summary>QEMU's human-readable reason.</summary>
    public string Description { get; }

    /// <summary>Maps an error object to the most specific exception type.</summary>
    public static QmpCommandException FromError(string command, JsonElement error)
    {
        var errorClass = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("class", out var c) && c.ValueKind == JsonValueKind.String
            ? c.GetString()!
            : QmpErrorClasses.Generic;
        var description = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("desc", out var d) && d.ValueKind == JsonValueKind.String
            ? d.GetString()!
            : "(no description)";
        return errorClass switch
        {
            QmpErrorClasses.CommandNotFound => new QmpCommandNotFoundException(command, description),
            QmpErrorClasses.DeviceNotFound => new QmpDeviceNotFoundException(command, description),
            _ => new QmpCommandException(command, errorClass, description),
        };
    }
}
