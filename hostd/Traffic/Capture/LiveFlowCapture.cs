using Jumpstart.Hostd.Traffic.Flows;
using Jumpstart.Hostd.Traffic.Pcap;

namespace Jumpstart.Hostd.Traffic.Capture;

/// <summary>
/// Captures one interface on a dedicated thread and assembles its flows; finished flows go to a
/// callback on that thread. <see cref="StopAsync"/> breaks the read loop (<c>pcap_breakloop</c>;
/// reads also time out every <see cref="PcapLiveOptions.ReadTimeout"/>, so an idle interface cannot
/// hold the thread) and finishes the open flows.
/// </summary>
public sealed class LiveFlowCapture : IAsyncDisposable
{
    private readonly PcapSource _source;
    private readonly Thread _thread;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private static readonly TimeSpan s_drainMargin = TimeSpan.FromMilliseconds(50);
    private PcapStatistics _lastStatistics;

    private readonly TimeSpan _readTimeout;

    private LiveFlowCapture(string device, PcapSource source, FlowTable table, ICaptureFileWriter? tee, TimeSpan readTimeout)
    {
        _readTimeout = readTimeout;
        Device = device;
        _source = source;
        Table = table;
        _thread = new Thread(() =>
        {
            try
            {
                FlowExtractor.Run(_source, Table, tee, onTimeout: t => t.Expire(NowNanoseconds()));
                _completion.TrySetResult();
            }
            catch (Exception ex)
            {
                _completion.TrySetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = $"capture {device}",
        };
    }

    public string Device { get; }

    /// <summary>The flow table (touch it only from the finished callback, or after the capture ended).</summary>
    public FlowTable Table { get; }

    /// <summary>Completes when the capture thread ended; faults with the <see cref="PcapException"/> that ended it.</summary>
    public Task Completion => _completion.Task;

    /// <exception cref="PcapException">The interface cannot be captured (see the derived types).</exception>
    public static LiveFlowCapture Start(string device, PcapLiveOptions captureOptions, FlowTableOptions flowOptions, Action<Flow> finished, ICaptureFileWriter? tee = null)
    {
        var source = PcapSource.OpenLive(device, captureOptions);
        var capture = new LiveFlowCapture(device, source, new FlowTable(flowOptions, finished), tee, captureOptions.ReadTimeout);
        capture._thread.Start();
        return capture;
    }

    /// <summary>The kernel's counters (received, dropped by the buffer, dropped by the interface).</summary>
    public PcapStatistics Statistics()
    {
        if (!_completion.Task.IsCompleted)
        {
            try
            {
                _lastStatistics = _source.GetStatistics();
            }
            catch (PcapException)
            {
                // The interface went away: keep the last counters.
            }
        }

        return _lastStatistics;
    }

    /// <summary>Stops capturing, waits (bounded) for the thread to finish the open flows, and returns the final counters.</summary>
    public async Task<PcapStatistics> StopAsync(TimeSpan timeout)
    {
        if (!_completion.Task.IsCompleted)
        {
            // The kernel hands packets over in blocks retired by the read timeout (TPACKET_V3):
            // let the last block arrive before breaking the loop, or its packets would be lost.
            await Task.Delay((2 * _readTimeout) + s_drainMargin);
        }

        var statistics = Statistics();
        _source.Stop();
        try
        {
            await _completion.Task.WaitAsync(timeout);
        }
        catch (PcapException)
        {
            // Ended by libpcap before the stop; its flows were finished all the same.
        }

        return statistics;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(5));
        _source.Dispose();
    }

    private static long NowNanoseconds() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;
}
