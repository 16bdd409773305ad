namespace Jumpstart.Hostd.Traffic.Flows;

/// <summary>
/// The direction-free identity of a flow: the two endpoints in a canonical order (lower address,
/// then lower port, first), the transport protocol and the VLAN. Both directions map to one key.
/// </summary>
public readonly struct FlowKey : IEquatable<FlowKey>
{
    private readonly UInt128 _lowAddress;
    private readonly UInt128 _highAddress;
    private readonly uint _ports;
    private readonly uint _protocolAndVlan;

    private FlowKey(UInt128 lowAddress, ushort lowPort, UInt128 highAddress, ushort highPort, byte protocol, ushort vlan)
    {
        _lowAddress = lowAddress;
        _highAddress = highAddress;
        _ports = ((uint)lowPort << 16) | highPort;
        _protocolAndVlan = ((uint)vlan << 8) | protocol;
    }

    /// <summary>The key of a packet from (<paramref name="source"/>, <paramref name="sourcePort"/>); <paramref name="sourceIsLow"/> says which end it came from.</summary>
    public static FlowKey From(UInt128 source, ushort sourcePort, UInt128 destination, ushort destinationPort, byte protocol, ushort vlan, out bool sourceIsLow)
    {
        sourceIsLow = source < destination || (source == destination && sourcePort <= destinationPort);
        return sourceIsLow
            ? new FlowKey(source, sourcePort, destination, destinationPort, protocol, vlan)
            : new FlowKey(destination, destinationPort, source, sourcePort, protocol, vlan);
    }

    public bool Equals(FlowKey other)
        => _lowAddress == other._lowAddress && _highAddress == other._highAddress && _ports == other._ports && _protocolAndVlan == other._protocolAndVlan;

    public override bool Equals(object? obj) => obj is FlowKey other && Equals(other);

    public override int GetHashCode()
    {
        // Fold the 128-bit addresses; the low 64 bits hold an IPv4 address or an IPv6 interface id.
        var a = (ulong)_lowAddress ^ (ulong)(_lowAddress >> 64);
        var b = (ulong)_highAddress ^ (ulong)(_highAddress >> 64);
        var h = (a * 0x9E3779B97F4A7C15UL) ^ (b * 0xC2B2AE3D27D4EB4FUL) ^ (((ulong)_ports << 32 | _protocolAndVlan) * 0x165667B19E3779F9UL);
        return (int)(h ^ (h >> 32));
    }

    public static bool operator ==(FlowKey left, FlowKey right) => left.Equals(right);

    public static bool operator !=(FlowKey left, FlowKey right) => !left.Equals(right);
}
