using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Cli;

/// <summary>
/// What a command that serves in the foreground (<c>cms serve</c>, <c>image serve</c>) needs: a token cancelled by
/// Ctrl-C (the caller's token) or SIGTERM, and logging to stderr so stdout carries only the lines scripts parse.
/// </summary>
public sealed class ForegroundRun : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly PosixSignalRegistration _sigterm;

    public ForegroundRun(CancellationToken cancellationToken, LogLevel minimumLevel = LogLevel.Information)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            _stop.Cancel();
        });
        LoggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(builder => builder
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .AddSimpleConsole(o => o.SingleLine = true)
            .SetMinimumLevel(minimumLevel));
    }

    /// <summary>Cancelled on SIGTERM or when the caller's token is (Ctrl-C).</summary>
    public CancellationToken Stopping => _stop.Token;

    /// <summary>Logs to stderr, one line per entry.</summary>
    public ILoggerFactory LoggerFactory { get; }

    /// <summary>Completes when a stop is requested; never throws.</summary>
    public async Task WaitForStopAsync()
    {
        try
        {
            await Task.Delay(Timeout.Infinite, _stop.Token);
        }
        catch (OperationCanceledException)
        {
            // SIGINT or SIGTERM: the caller stops gracefully.
        }
    }

    public void Dispose()
    {
        _sigterm.Dispose();
        LoggerFactory.Dispose();
        _stop.Dispose();
    }
}
