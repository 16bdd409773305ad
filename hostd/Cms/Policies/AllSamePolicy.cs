namespace Jumpstart.Hostd.Cms.Policies;

/// <summary>Every instance plays the same role (a peer-to-peer cluster).</summary>
internal sealed class AllSamePolicy(string role) : IRolePolicy
{
    public Task<PolicyDecision> DecideAsync(PolicyInput input, CancellationToken cancellationToken)
        => Task.FromResult(PolicyDecision.Of(role));
}
