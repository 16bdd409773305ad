using Mono.Unix;
using Mono.Unix.Native;

namespace Jumpstart.Shared.JsonRpc;

/// <summary>
/// Who may use a local (unix-socket) endpoint: root, the daemon's own user, and members of one configured group.
/// Local callers need no token: the kernel tells who they are (SO_PEERCRED).
/// </summary>
public sealed class PeerCredentialPolicy
{
    private const uint RootUid = 0;

    private readonly uint _selfUid;
    private readonly uint? _groupId;
    private readonly string? _groupName;

    /// <summary>A policy for the daemon's own user and root, plus members of <paramref name="groupId"/> when given.</summary>
    public PeerCredentialPolicy(uint? groupId = null, uint? selfUid = null)
    {
        _selfUid = selfUid ?? Syscall.geteuid();
        _groupId = groupId;
        if (groupId is { } gid)
        {
            try
            {
                _groupName = new UnixGroupInfo(gid).GroupName;
            }
            catch (ArgumentException)
            {
                _groupName = null;
            }
        }
    }

    /// <summary>A policy allowing members of the group named <paramref name="groupName"/> (none when null or empty).</summary>
    /// <exception cref="ArgumentException">No such group.</exception>
    public static PeerCredentialPolicy ForGroup(string? groupName)
        => string.IsNullOrEmpty(groupName) ? new PeerCredentialPolicy() : new PeerCredentialPolicy(checked((uint)new UnixGroupInfo(groupName).GroupId));

    /// <summary>Whether <paramref name="peer"/> may use the endpoint.</summary>
    public bool Allows(PeerCredentials peer)
    {
        if (peer.Uid == RootUid || peer.Uid == _selfUid)
        {
            return true;
        }

        if (_groupId is not { } gid)
        {
            return false;
        }

        return peer.Gid == gid || IsSupplementaryMember(peer.Uid);
    }

    private bool IsSupplementaryMember(uint uid)
    {
        if (_groupName is null)
        {
            return false;
        }

        try
        {
            var user = new UnixUserInfo(uid);
            return user.GroupId == _groupId || new UnixGroupInfo(_groupName).GetMemberNames().Contains(user.UserName, StringComparer.Ordinal);
        }
        catch (ArgumentException)
        {
            // A uid with no passwd entry (a container's user) is a member of nothing.
            return false;
        }
    }
}
