using System.Collections.Concurrent;
using System.Text.Json;
using Jumpstart.Hostd.Qmp;
using Jumpstart.Shared.IO;
using Jumpstart.Shared.Processes;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>
/// Starts and watches one daemonized qemu-system-x86_64 per VM. QEMU runs in its own session, so
/// hostd can restart without taking VMs down: <see cref="RediscoverAsync"/> finds them again by
/// pidfile and QMP. A VM whose QMP socket closes without hostd asking is reported dead (log and
/// <see cref="VmEnded"/>); nothing else is touched.
/// </summary>
public sealed class VmSupervisor(string stateRoot, string runtimeRoot, ILogger<VmSupervisor> logger, TimeProvider? time = null) : IAsyncDisposable
{
    /// <summary>Bound on QEMU starting up (argv checks, disk opens) and daemonizing.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Bound on a VM quitting after <c>quit</c> before it is killed.</summary>
    public static readonly TimeSpan QuitTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Most bytes read from a VM's launch record when hostd adopts it after a restart.</summary>
    public const int MaxRecordBytes = 1 << 20;

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private readonly ConcurrentDictionary<string, VmHandle> _vms = new(StringComparer.Ordinal);
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Raised when a VM dies or is stopped (on a thread-pool thread).</summary>
    public event Action<VmHandle>? VmEnded;

    /// <summary>Raised when a VM starts or is rediscovered alive (hostd/DBus registers it with machined).</summary>
    public event Action<VmHandle>? VmStarted;

    /// <summary>The QEMU binary to run (a full path in tests, otherwise found on PATH).</summary>
    public string QemuBinary { get; init; } = QemuCommandLine.Binary;

    public VmPaths PathsFor(string name) => VmPaths.For(stateRoot, runtimeRoot, name);

    /// <summary>Every VM this hostd knows about, alive or not, by name.</summary>
    public IReadOnlyList<VmHandle> List() => [.. _vms.Values.OrderBy(v => v.Name, StringComparer.Ordinal)];

    /// <exception cref="VmNotFoundException">No such VM.</exception>
    public VmHandle Get(string name) => _vms.TryGetValue(name, out var vm) ? vm : throw new VmNotFoundException(name);

    /// <summary>Starts QEMU for <paramref name="launch"/> and connects to its QMP socket.</summary>
    /// <exception cref="VmSpecException">The spec is invalid.</exception>
    /// <exception cref="VmStartException">A VM of that name is alive, or QEMU failed to start.</exception>
    public async Task<VmHandle> StartAsync(VmLaunch launch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var paths = PathsFor(launch.Name);
        var argv = QemuCommandLine.Build(launch, paths);
        if (_vms.TryGetValue(launch.Name, out var existing) && existing.State == VmState.Alive)
        {
            throw new VmStartException(launch.Name, "a VM of that name is running");
        }

        Directory.CreateDirectory(paths.RuntimeDirectory);
        Directory.CreateDirectory(paths.StateDirectory);
        File.Delete(paths.QmpSocket);
        File.Delete(paths.PidFile);
        AtomicFile.Write(paths.RecordFile, stream => JsonSerializer.Serialize(stream, launch, s_json));

        ProcessResult result;
        try
        {
            result = await ProcessRunner.RunAsync(QemuBinary, argv, new ProcessRunOptions { Timeout = StartTimeout, MaxCapturedChars = 64 * 1024 }, cancellationToken);
        }
        catch (ProcessStartException ex)
        {
            throw new VmStartException(launch.Name, ex.Message, ex);
        }

        if (!result.Succeeded)
        {
            var why = result.TimedOut ? $"QEMU did not daemonize within {StartTimeout.TotalSeconds} s" : result.StandardError.Trim();
            throw new VmStartException(launch.Name, why.Length > 0 ? why : $"QEMU exited with {result.ExitCode}");
        }

        var pid = VmProcess.ReadPidFile(paths.PidFile) ?? throw new VmStartException(launch.Name, $"QEMU wrote no pidfile at {paths.PidFile}");
        QmpClient qmp;
        try
        {
            qmp = await QmpClient.ConnectAsync(paths.QmpSocket, logger, cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (ex is QmpException or System.Net.Sockets.SocketException or IOException)
        {
            VmProcess.Kill(pid);
            throw new VmStartException(launch.Name, $"its QMP socket did not answer: {ex.Message}", ex);
        }
        catch
        {
            // Whatever went wrong (cancellation included), a QEMU nobody supervises must not stay behind.
            VmProcess.Kill(pid);
            throw;
        }

        var handle = Adopt(launch, paths, pid, qmp);
        VmLog.Started(logger, launch.Name, pid, launch.Role, launch.Accelerator);
        VmStarted?.Invoke(handle);
        return handle;
    }

    /// <summary>
    /// Finds VMs a previous hostd started: every runtime directory with a pidfile whose process is a
    /// live QEMU of that name and whose QMP socket answers <c>query-name</c> with it. The rest are
    /// listed as dead; their state files stay for the operator.
    /// </summary>
    /// <returns>How many live VMs were adopted.</returns>
    public async Task<int> RediscoverAsync(CancellationToken cancellationToken)
    {
        var root = Path.Combine(runtimeRoot, VmPaths.VmsFolder);
        if (!Directory.Exists(root))
        {
            return 0;
        }

        var adopted = 0;
        foreach (var directory in Directory.EnumerateDirectories(root))
        {
            var name = Path.GetFileName(directory);
            if (!VmNames.IsValid(name) || _vms.ContainsKey(name))
            {
                continue;
            }

            var paths = PathsFor(name);
            var launch = ReadRecord(paths);
            var pid = VmProcess.ReadPidFile(paths.PidFile);
            if (launch is null || pid is not { } alivePid || !VmProcess.IsAlive(alivePid, name))
            {
                MarkFoundDead(launch, paths, pid ?? 0, launch is null ? "no readable vm.json" : "its QEMU process is gone");
                continue;
            }

            try
            {
                var qmp = await QmpClient.ConnectAsync(paths.QmpSocket, logger, cancellationToken: cancellationToken);
                var qmpName = await qmp.QueryNameAsync(cancellationToken);
                if (qmpName != name)
                {
                    await qmp.DisposeAsync();
                    MarkFoundDead(launch, paths, alivePid, $"its QMP socket answers as '{qmpName}'");
                    continue;
                }

                var status = await qmp.QueryStatusAsync(cancellationToken);
                Adopt(launch, paths, alivePid, qmp);
                VmLog.Rediscovered(logger, name, alivePid, status.Status);
                VmStarted?.Invoke(Get(name));
                adopted++;
            }
            catch (Exception ex) when (ex is QmpException or System.Net.Sockets.SocketException)
            {
                MarkFoundDead(launch, paths, alivePid, $"QMP did not answer: {ex.Message}");
            }
        }

        return adopted;
    }

    /// <summary>Asks the VM to quit (killing it after <see cref="QuitTimeout"/>), then forgets it; <paramref name="removeFiles"/> deletes its state too.</summary>
    /// <exception cref="VmNotFoundException">No such VM.</exception>
    public async Task StopAsync(string name, bool removeFiles, CancellationToken cancellationToken)
    {
        var vm = Get(name);
        if (vm.State == VmState.Alive)
        {
            // Mark first so the monitor does not report an exit hostd asked for as a death.
            vm.MarkEnded(VmState.Stopped, "stopped by hostd", _time.GetUtcNow());
            try
            {
                await vm.Connection!.QuitAsync(cancellationToken);
            }
            catch (QmpException)
            {
                // Already going away; the pid check below decides.
            }

            if (!await VmProcess.WaitForExitAsync(vm.Pid, name, QuitTimeout, cancellationToken))
            {
                VmLog.Killing(logger, name, QuitTimeout.TotalSeconds, vm.Pid);
                VmProcess.Kill(vm.Pid);
                await VmProcess.WaitForExitAsync(vm.Pid, name, QuitTimeout, cancellationToken);
            }

            await vm.Connection!.DisposeAsync();
            VmLog.Stopped(logger, name);
            VmEnded?.Invoke(vm);
        }

        _vms.TryRemove(name, out _);
        TryDelete(vm.Paths.RuntimeDirectory);
        if (removeFiles)
        {
            TryDelete(vm.Paths.StateDirectory);
        }
    }

    /// <summary>Disconnects from every VM and leaves them running (hostd shutting down or restarting).</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var vm in _vms.Values)
        {
            if (vm.Connection is { } qmp)
            {
                vm.MarkEnded(VmState.Stopped, "hostd detached", _time.GetUtcNow());
                await qmp.DisposeAsync();
            }
        }

        _vms.Clear();
    }

    private static VmLaunch? ReadRecord(VmPaths paths)
    {
        try
        {
            return JsonSerializer.Deserialize<VmLaunch>(BoundedFile.ReadAllBytes(paths.RecordFile, MaxRecordBytes), s_json);
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException or InputFileException)
        {
            return null;
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private VmHandle Adopt(VmLaunch launch, VmPaths paths, int pid, QmpClient qmp)
    {
        var handle = new VmHandle(launch, paths, pid, qmp, _time.GetUtcNow());
        _vms[launch.Name] = handle;
        _ = WatchAsync(handle, qmp);
        return handle;
    }

    private async Task WatchAsync(VmHandle vm, QmpClient qmp)
    {
        await qmp.Completion;
        if (vm.State != VmState.Alive)
        {
            return;
        }

        // QMP closes a moment before the process is reaped; the reason is best read from the serial log by the operator.
        var gone = await VmProcess.WaitForExitAsync(vm.Pid, vm.Name, QuitTimeout, CancellationToken.None);
        var reason = gone ? "QEMU exited" : "QMP closed while QEMU still runs";
        vm.MarkDead(reason, _time.GetUtcNow());
        VmLog.Died(logger, vm.Name, vm.Pid, reason);
        VmEnded?.Invoke(vm);
    }

    private void MarkFoundDead(VmLaunch? launch, VmPaths paths, int pid, string reason)
    {
        var name = Path.GetFileName(paths.RuntimeDirectory);
        VmLog.FoundDead(logger, name, reason);
        launch ??= new VmLaunch { Name = name, Spec = new VmSpec() };
        var handle = new VmHandle(launch, paths, pid, qmp: null, _time.GetUtcNow());
        handle.MarkDead(reason, _time.GetUtcNow());
        _vms[name] = handle;
    }
}
