namespace Jumpstart.Hostd.Store;

/// <summary>One combination that could not be used, and which server is to blame.</summary>
public sealed record StoreProblem(string Server, long Stripe, int Slot, string ObjectId, StoreProblemKind Kind, string Detail)
{
    public override string ToString() => Kind switch
    {
        StoreProblemKind.Corrupt => $"server {Server} served bad data for stripe {Stripe} slot {Slot} (object {ObjectId}): {Detail}",
        _ => $"server {Server}: stripe {Stripe} slot {Slot} (object {ObjectId}) {Kind.ToString().ToLowerInvariant()}: {Detail}",
    };
}
