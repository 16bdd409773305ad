using System.Text.Json.Serialization;

namespace Jumpstart.Hostd.Traffic.Flows;

/// <summary>Why a flow was finished (JSON: its name).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FlowEndReason>))]
public enum FlowEndReason
{
    /// <summary>No packet for the idle timeout.</summary>
    Idle,

    /// <summary>The flow lasted longer than the active timeout; its 5-tuple continues as a new flow.</summary>
    ActiveTimeout,

    /// <summary>TCP closed it: RST, or FIN in both directions (late ACKs still joined it).</summary>
    TcpClosed,

    /// <summary>The active-flow table was full and this was the least recently seen flow.</summary>
    Evicted,

    /// <summary>The capture ended (end of file, or capture stopped) with the flow still open.</summary>
    EndOfCapture,
}
