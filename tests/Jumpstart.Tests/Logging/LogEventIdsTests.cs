using System.Reflection;
using Jumpstart.Guestd.Daemon;
using Jumpstart.Hostd.Daemon;
using Jumpstart.Shared.Hosting;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Jumpstart.Tests.Logging;

/// <summary>
/// Every [LoggerMessage] of each process, found by reflection over the compiled assemblies: no two
/// share an event id within one process, and every id is one of <see cref="LogEventIds"/>'s.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Logging)]
public sealed class LogEventIdsTests
{
    private static readonly Assembly s_shared = typeof(JumpstartDaemon).Assembly;
    private static readonly Assembly s_hostd = typeof(HostdDaemon).Assembly;
    private static readonly Assembly s_guestd = typeof(GuestdServices).Assembly;

    public static TheoryData<string> Processes => ["hostd", "guestd"];

    private static Assembly[] AssembliesOf(string process) => process switch
    {
        "hostd" => [s_hostd, s_shared],
        "guestd" => [s_guestd, s_shared],
        _ => throw new ArgumentOutOfRangeException(nameof(process), process, "no such process"),
    };

    private static List<(int Id, string Where)> Declarations(Assembly assembly)
    {
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        return
        [
            .. from type in assembly.GetTypes()
               from method in type.GetMethods(All)
               let attribute = method.GetCustomAttribute<LoggerMessageAttribute>()
               where attribute is not null
               select (attribute.EventId, $"{type.FullName}.{method.Name}"),
        ];
    }

    private static HashSet<int> RegistryValues() =>
    [
        .. from area in typeof(LogEventIds).GetNestedTypes()
           from field in area.GetFields(BindingFlags.Public | BindingFlags.Static)
           where field.IsLiteral && field.FieldType == typeof(int)
           select (int)field.GetRawConstantValue()!,
    ];

    [Theory]
    [MemberData(nameof(Processes))]
    public void LoggerMessages_OfOneProcess_HaveNoDuplicateEventIds(string process)
    {
        var declarations = AssembliesOf(process).SelectMany(Declarations).ToList();

        var duplicates = declarations.GroupBy(d => d.Id).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(d => d.Where))}").ToList();

        Assert.NotEmpty(declarations);
        Assert.True(duplicates.Count == 0, $"{process} uses an event id twice: {string.Join("; ", duplicates)}");
    }

    [Theory]
    [MemberData(nameof(Processes))]
    public void LoggerMessages_OfOneProcess_TakeTheirIdsFromTheRegistry(string process)
    {
        var registry = RegistryValues();

        var strays = AssembliesOf(process).SelectMany(Declarations).Where(d => !registry.Contains(d.Id)).Select(d => $"{d.Id} ({d.Where})").ToList();

        Assert.True(strays.Count == 0, $"ids not in LogEventIds: {string.Join(", ", strays)}");
    }

    [Fact]
    public void Registry_SharedIds_CollideWithNoProcessesOwn()
    {
        var areas = typeof(LogEventIds).GetNestedTypes();
        var shared = new[] { nameof(LogEventIds.Systemd), nameof(LogEventIds.JsonRpc), nameof(LogEventIds.Nbd) };
        IEnumerable<int> ValuesOf(IEnumerable<Type> types) => types.SelectMany(t => t.GetFields()).Select(f => (int)f.GetRawConstantValue()!);
        var sharedIds = ValuesOf(areas.Where(a => shared.Contains(a.Name))).ToList();
        var hostdIds = ValuesOf(areas.Where(a => !shared.Contains(a.Name) && !a.Name.StartsWith("Guestd", StringComparison.Ordinal))).ToList();
        var guestdIds = ValuesOf(areas.Where(a => a.Name.StartsWith("Guestd", StringComparison.Ordinal))).ToList();

        Assert.Empty(sharedIds.Concat(hostdIds).GroupBy(i => i).Where(g => g.Count() > 1).Select(g => g.Key));
        Assert.Empty(sharedIds.Concat(guestdIds).GroupBy(i => i).Where(g => g.Count() > 1).Select(g => g.Key));
    }
}
