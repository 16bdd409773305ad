using System.Reflection;
using System.Threading.Channels;
using Jumpstart.Hostd.Configuration;
using Jumpstart.Hostd.Vm;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Shared.DBus;
using Jumpstart.Shared.IO;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tmds.DBus.Protocol;

namespace Jumpstart.Hostd.DBus;

/// <summary>
/// hostd on the system bus: registers VMs with systemd-machined (so clones show in <c>machinectl list</c>
/// and live in their own <c>machine-NAME.scope</c>, surviving a restart of hostd's unit) and publishes
/// <see cref="HostdObject"/>. Without a system bus, or with <see cref="HostdBusOptions.Enabled"/> off,
/// it logs that once and does nothing; a bus that goes away later only costs log lines.
/// </summary>
/// <remarks>
/// Starts after <see cref="VmHost"/> and follows its supervisor's <see cref="VmSupervisor.VmStarted"/> and
/// <see cref="VmSupervisor.VmEnded"/>. machined calls run one at a time, in event order, off the
/// supervisor's thread (a bounded queue), so a slow bus never delays a VM.
/// </remarks>
public sealed class HostdBus(
    IOptions<HostdBusOptions> options,
    IOptionsMonitor<HostdOptions> hostd,
    VmHost vmHost,
    ILogger<HostdBus> logger) : IHostedService, IAsyncDisposable
{
    /// <summary>Pending machined operations; far more than VMs a host runs at once.</summary>
    public const int MachinedQueueCapacity = 1024;

    /// <summary>Bound on the pending machined calls at shutdown.</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

    private readonly Channel<(bool Register, VmHandle Vm)> _machined = Channel.CreateBounded<(bool, VmHandle)>(
        new BoundedChannelOptions(MachinedQueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });

    private DBusConnection? _connection;
    private VmSupervisor? _supervisor;
    private HostdObject? _object;
    private MachineRegistrar? _registrar;
    private Task _worker = Task.CompletedTask;
    private volatile bool _machinedFound;
    private bool _machinedAbsenceLogged;

    /// <summary>The hostd version the object reports.</summary>
    public static string Version { get; } =
        typeof(HostdBus).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>True once machined was found on the bus and VMs are being registered with it.</summary>
    public bool RegistersMachines => _machinedFound;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            HostdBusLog.NoBus(logger, "DBus:Enabled is false");
            return;
        }

        var (connection, why) = await SystemBus.TryConnectAsync(SystemBus.Address(settings.SystemBusAddress), cancellationToken);
        if (connection is null)
        {
            HostdBusLog.NoBus(logger, why);
            return;
        }

        _connection = connection;
        _supervisor = vmHost.Services.Supervisor;
        try
        {
            if (settings.RegisterMachines)
            {
                await StartMachinedAsync(connection);
            }

            if (settings.PublishObject)
            {
                await PublishAsync(connection);
            }
        }
        catch (DBusException ex)
        {
            HostdBusLog.NoBus(logger, ex.Message);
        }

        _supervisor.VmStarted += OnVmStarted;
        _supervisor.VmEnded += OnVmEnded;

        // VMs rediscovered before this service started.
        foreach (var vm in _supervisor.List().Where(v => v.State == VmState.Alive))
        {
            OnVmStarted(vm);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (_supervisor is { } supervisor)
        {
            supervisor.VmStarted -= OnVmStarted;
            supervisor.VmEnded -= OnVmEnded;
        }

        _machined.Writer.TryComplete();
        try
        {
            await _worker.WaitAsync(DrainTimeout);
        }
        catch (TimeoutException)
        {
            // machined hung: leave the rest; its scopes clean themselves up when QEMU exits.
        }

        Interlocked.Exchange(ref _connection, null)?.Dispose();
    }

    private async Task StartMachinedAsync(DBusConnection connection)
    {
        _registrar = new MachineRegistrar(connection);
        _worker = Task.Run(RunMachinedAsync);
        await FindMachinedAsync();
    }

    /// <summary>
    /// Whether machined is on the bus (owned or activatable); asked at start and, while it is absent, again
    /// before each queued operation, so a machined that appears later is used. Says so once either way.
    /// </summary>
    private async Task<bool> FindMachinedAsync()
    {
        if (_machinedFound)
        {
            return true;
        }

        _machinedFound = await SystemBus.HasServiceAsync(_registrar!.Connection, MachineRegistrar.BusName);
        if (_machinedFound)
        {
            HostdBusLog.MachinedFound(logger);
        }
        else if (!_machinedAbsenceLogged)
        {
            _machinedAbsenceLogged = true;
            HostdBusLog.NoMachined(logger);
        }

        return _machinedFound;
    }

    private async Task PublishAsync(DBusConnection connection)
    {
        _object = new HostdObject(() => _supervisor?.List() ?? [], () => hostd.CurrentValue.NodeName, Version);
        connection.AddMethodHandler(_object);
        try
        {
            await SystemBus.BoundedAsync(connection.RequestNameAsync(HostdObject.BusName, RequestNameOptions.Default), "RequestName");
            HostdBusLog.Published(logger, HostdObject.BusName, HostdObject.ObjectPath);
        }
        catch (Exception ex) when (DBusException.From(ex, "RequestName") is { } translated)
        {
            // The object stays reachable at hostd's unique name; only the well-known name is missing.
            HostdBusLog.NameRefused(logger, HostdObject.BusName, translated.Message);
        }
    }

    private void OnVmStarted(VmHandle vm) => Changed(vm, register: true);

    private void OnVmEnded(VmHandle vm) => Changed(vm, register: false);

    private void Changed(VmHandle vm, bool register)
    {
        if (_connection is not { } connection)
        {
            return;
        }

        if (_object is { } published)
        {
            connection.TrySendMessage(published.StateChangedSignal(connection, vm.Name, vm.State));
        }

        // Only hostd's own stop terminates the machine; a dead QEMU's scope is already empty and gone.
        if (_registrar is not null && (register || vm.State == VmState.Stopped) && !_machined.Writer.TryWrite((register, vm)))
        {
            HostdBusLog.QueueFull(logger, register ? "registration" : "termination", vm.Name);
        }
    }

    /// <summary>
    /// How long one machined call may take. Calls go one at a time, so a reply that never comes (seen when the
    /// leader exited while machined was still creating its scope) would otherwise hold up every later VM.
    /// </summary>
    private static readonly TimeSpan s_machinedCallTimeout = TimeSpan.FromSeconds(5);

    private async Task RunMachinedAsync()
    {
        await foreach (var (register, vm) in _machined.Reader.ReadAllAsync())
        {
            try
            {
                if (!await FindMachinedAsync().WaitAsync(s_machinedCallTimeout))
                {
                    continue;
                }

                if (register)
                {
                    var path = await _registrar!.RegisterAsync(new MachineRegistration(vm.Name, vm.Launch.VmGenIdGuid, vm.Pid, InterfaceIndexes(vm))).WaitAsync(s_machinedCallTimeout);
                    HostdBusLog.Registered(logger, vm.Name, path, vm.Pid);
                }
                else if (await _registrar!.TerminateAsync(vm.Name).WaitAsync(s_machinedCallTimeout))
                {
                    HostdBusLog.Terminated(logger, vm.Name);
                }
            }
            catch (DBusException ex) when (register && ex.ErrorName == MachineRegistrar.MachineExistsError)
            {
                // A VM rediscovered after a hostd restart: machined kept it registered.
            }
            catch (DBusException ex) when (register)
            {
                HostdBusLog.RegisterFailed(logger, vm.Name, ex.Message);
            }
            catch (DBusException ex)
            {
                HostdBusLog.TerminateFailed(logger, vm.Name, ex.Message);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Anything else (sysfs unreadable, the connection disposed under us) costs this one VM its
                // registration, never the worker: later VMs are still registered.
                if (register)
                {
                    HostdBusLog.RegisterFailed(logger, vm.Name, ex.Message);
                }
                else
                {
                    HostdBusLog.TerminateFailed(logger, vm.Name, ex.Message);
                }
            }
        }
    }

    /// <summary>The tap's ifindex from sysfs; none for a VM without a tap (or whose tap is gone).</summary>
    private static int[] InterfaceIndexes(VmHandle vm)
    {
        if (vm.Launch.TapInterface is not { } tap)
        {
            return [];
        }

        try
        {
            return int.TryParse(BoundedFile.ReadAllText($"/sys/class/net/{tap}/ifindex", BoundedFile.MaxSysfsAttributeBytes).Trim(), out var index) ? [index] : [];
        }
        catch (Exception ex) when (ex is IOException or InputFileException)
        {
            return [];
        }
    }
}
