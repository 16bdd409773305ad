using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.DBus;

/// <summary>hostd's system bus log messages (event ids 4700-4719).</summary>
internal static partial class HostdBusLog
{
    [LoggerMessage(EventId = LogEventIds.HostdDBus.NotUsed, Level = LogLevel.Information, Message = "D-Bus: not used ({Reason}); VMs are not registered with machined and org.jumpstart.Hostd1 is not published")]
    public static partial void NoBus(ILogger logger, string reason);

    [LoggerMessage(EventId = LogEventIds.HostdDBus.NoMachined, Level = LogLevel.Information, Message = "D-Bus: systemd-machined is not on the system bus; VMs are not registered as machines")]
    public static partial void NoMachined(ILogger logger);

    [LoggerMessage(EventId = LogEventIds.HostdDBus.RegisteringMachines, Level = LogLevel.Information, Message = "D-Bus: registering VMs with systemd-machined")]
    public static partial void MachinedFound(ILogger logger);

    [LoggerMessage(EventId = LogEventIds.HostdDBus.MachineRegistered, Level = LogLevel.Information, Message = "VM {Name} registered with machined as {Path} (leader {Pid})")]
    public static partial void Registered(ILogger logger, string name, string path, int pid);

    [LoggerMessage(EventId = LogEventIds.HostdDBus.MachineRegisterFailed, Level = LogLevel.Warning, Message = "VM {Name} could not be registered with machined: {Reason}")]
    public static partial void RegisterFailed(ILogger logger, string name, string reason);

    [LoggerMessage(EventId = LogEventIds.HostdDBus.MachineTerminated, Level = LogLevel.Information, Message = "VM {Name}: machine terminated")]
    public static partial void Terminated(ILogger logger, string name);

    [LoggerMessage(EventId = LogEventIds.HostdDBus.TerminateFailed, Level = LogLevel.Warning, Message = "VM {Name}: TerminateMachine failed: {Reason}")]
    public static partial void TerminateFailed(ILogger logger, string name, string reason);

    [LoggerMessage(EventId = LogEventIds.HostdDBus.Published, Level = LogLevel.Information, Message = "D-Bus: published {Name} at {Path}")]
    public static partial void Published(ILogger logger, string name, string path);

    [LoggerMessage(EventId = LogEventIds.HostdDBus.CannotOwnName, Level = LogLevel.Warning, Message = "D-Bus: cannot own {Name} ({Reason}); is packaging/dbus/{Name}.conf installed in /usr/share/dbus-1/system.d?")]
    public static partial void NameRefused(ILogger logger, string name, string reason);

    [LoggerMessage(EventId = LogEventIds.HostdDBus.QueueFull, Level = LogLevel.Warning, Message = "D-Bus: machined queue full; {Operation} of VM {Name} dropped")]
    public static partial void QueueFull(ILogger logger, string operation, string name);
}
