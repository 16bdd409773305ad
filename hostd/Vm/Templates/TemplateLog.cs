using Jumpstart.Hostd.Vm.Bundles;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Vm.Templates;

/// <summary>Template and bundle log messages (event ids 4100-4119).</summary>
internal static partial class TemplateLog
{
    [LoggerMessage(EventId = LogEventIds.Templates.Created, Level = LogLevel.Information, Message = "Bundle {Name} created ({Format}, {Bytes} bytes)")]
    public static partial void Created(ILogger logger, string name, MemoryFormat format, long bytes);
}
