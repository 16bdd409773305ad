using System.Text.Json;

namespace Jumpstart.Hostd.Qmp;

/// <summary>An asynchronous QMP event, e.g. STOP, RESUME, SHUTDOWN or MIGRATION.</summary>
/// <param name="Name">The event name as QEMU spells it.</param>
/// <param name="Data">The event's <c>data</c> member (an empty object when QEMU sent none).</param>
/// <param name="Timestamp">QEMU's own clock when it raised the event.</param>
public sealed record QmpEvent(string Name, JsonElement Data, DateTimeOffset Timestamp)
{
    /// <summary>A string member of <see cref="Data"/>, or null.</summary>
    public string? DataString(string member)
        => Data.ValueKind == JsonValueKind.Object && Data.TryGetProperty(member, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
