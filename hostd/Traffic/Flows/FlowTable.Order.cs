namespace Jumpstart.Hostd.Traffic.Flows;

public sealed partial class FlowTable
{
    // An intrusive doubly linked list from least to most recently seen: O(1) per packet, and idle
    // expiry and eviction take flows from the old end without scanning the table.
    private void Append(Flow flow)
    {
        flow.Older = _newest;
        flow.Newer = null;
        if (_newest is not null)
        {
            _newest.Newer = flow;
        }

        _newest = flow;
        _oldest ??= flow;
    }

    private void Unlink(Flow flow)
    {
        if (flow.Older is not null)
        {
            flow.Older.Newer = flow.Newer;
        }
        else
        {
            _oldest = flow.Newer;
        }

        if (flow.Newer is not null)
        {
            flow.Newer.Older = flow.Older;
        }
        else
        {
            _newest = flow.Older;
        }

        flow.Older = null;
        flow.Newer = null;
    }

    private void MoveToNewest(Flow flow)
    {
        if (flow == _newest)
        {
            return;
        }

        Unlink(flow);
        Append(flow);
    }
}
