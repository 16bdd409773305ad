using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>VM supervision log messages (event ids 4020-4049).</summary>
internal static partial class VmLog
{
    [LoggerMessage(EventId = LogEventIds.Vm.Started, Level = LogLevel.Information, Message = "VM {Name} started (pid {Pid}, {Role}, {Accelerator})")]
    public static partial void Started(ILogger logger, string name, int pid, string role, Accelerator accelerator);

    [LoggerMessage(EventId = LogEventIds.Vm.Died, Level = LogLevel.Warning, Message = "VM {Name} (pid {Pid}) exited unexpectedly: {Reason}")]
    public static partial void Died(ILogger logger, string name, int pid, string reason);

    [LoggerMessage(EventId = LogEventIds.Vm.Stopped, Level = LogLevel.Information, Message = "VM {Name} stopped")]
    public static partial void Stopped(ILogger logger, string name);

    [LoggerMessage(EventId = LogEventIds.Vm.Rediscovered, Level = LogLevel.Information, Message = "VM {Name} (pid {Pid}) rediscovered, state {State}")]
    public static partial void Rediscovered(ILogger logger, string name, int pid, string state);

    [LoggerMessage(EventId = LogEventIds.Vm.FoundDead, Level = LogLevel.Warning, Message = "VM {Name} was not running when hostd started: {Reason}")]
    public static partial void FoundDead(ILogger logger, string name, string reason);

    [LoggerMessage(EventId = LogEventIds.Vm.Killing, Level = LogLevel.Warning, Message = "VM {Name} did not quit within {Seconds} s; killing pid {Pid}")]
    public static partial void Killing(ILogger logger, string name, double seconds, int pid);

    [LoggerMessage(EventId = LogEventIds.Vm.AcceleratorChosen, Level = LogLevel.Information, Message = "Accelerator: {Accelerator} ({Reason})")]
    public static partial void AcceleratorChosen(ILogger logger, Accelerator accelerator, string reason);
}
