using System.Globalization;

namespace Jumpstart.Hostd.Bake;

/// <summary>
/// The used inodes of an ext4 file system, read line by line from dumpe2fs(8)'s output: the superblock's
/// <c>Inode count</c>, <c>Inodes per group</c> and <c>First inode</c>, then each <c>Group N:</c> block's
/// <c>Free inodes:</c> ranges (empty when the group is full). Used = the group's inodes minus its free ones, of which
/// only the root directory (2) and the ordinary inodes (from the first inode on) are kept: the reserved ones (journal,
/// resize) hold mke2fs's own fixed times.
/// </summary>
public sealed class InodeGroups
{
    public const uint RootInode = 2;

    private readonly Dictionary<uint, List<(uint First, uint Last)>> _free = [];
    private uint _count;
    private uint _perGroup;
    private uint _firstInode;
    private uint? _group;
    private string? _badLine;

    /// <summary>
    /// Takes one line of dumpe2fs's output. It never throws (it runs on the process's output reader); a line it cannot
    /// read makes <see cref="UsedInodes"/> fail.
    /// </summary>
    public void Add(string line)
    {
        if (_badLine is not null)
        {
            return;
        }

        try
        {
            Read(line);
        }
        catch (FormatException)
        {
            _badLine = line;
        }
    }

    /// <summary>The used inodes in ascending order.</summary>
    /// <exception cref="BakeException">The output lacked the superblock fields or a group, or had a line not understood.</exception>
    public IEnumerable<uint> UsedInodes()
    {
        if (_badLine is not null)
        {
            throw BakeException.StepFailed($"dumpe2fs printed a line this bake cannot read: '{_badLine}'");
        }

        if (_count == 0 || _perGroup == 0 || _firstInode <= RootInode || _count % _perGroup != 0 || _free.Count != _count / _perGroup)
        {
            throw BakeException.StepFailed($"dumpe2fs gave {_free.Count} groups for {_count} inodes ({_perGroup} a group, first inode {_firstInode}): not the whole file system");
        }

        return Enumerate();
    }

    private void Read(string line)
    {
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        if (line.StartsWith("Group ", StringComparison.Ordinal) && colon > 6
            && uint.TryParse(line.AsSpan(6, colon - 6), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            _group = number;
        }
        else if (_group is { } group && line.TrimStart().StartsWith("Free inodes:", StringComparison.Ordinal))
        {
            var ranges = new List<(uint, uint)>();
            foreach (var range in line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var dash = range.IndexOf('-', StringComparison.Ordinal);
                var first = Number(dash < 0 ? range : range[..dash]);
                var last = dash < 0 ? first : Number(range[(dash + 1)..]);
                ranges.Add(first <= last ? (first, last) : throw new FormatException());
            }

            if (!_free.TryAdd(group, ranges))
            {
                throw new FormatException();
            }

            _group = null;
        }
        else if (_group is null)
        {
            Header(line, "Inode count:", ref _count);
            Header(line, "Inodes per group:", ref _perGroup);
            Header(line, "First inode:", ref _firstInode);
        }
    }

    private IEnumerable<uint> Enumerate()
    {
        for (uint group = 0; group < _count / _perGroup; group++)
        {
            var free = _free[group];
            for (var inode = (group * _perGroup) + 1; inode <= (group + 1) * _perGroup; inode++)
            {
                if ((inode == RootInode || inode >= _firstInode) && !free.Any(r => inode >= r.First && inode <= r.Last))
                {
                    yield return inode;
                }
            }
        }
    }

    private static void Header(string line, string name, ref uint field)
    {
        if (line.StartsWith(name, StringComparison.Ordinal))
        {
            field = Number(line[name.Length..].Trim());
        }
    }

    private static uint Number(string text)
        => uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : throw new FormatException();
}
