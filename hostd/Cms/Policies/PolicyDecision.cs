namespace Jumpstart.Hostd.Cms.Policies;

/// <summary>A policy's answer: the role and any variables it computed (stored with the registration).</summary>
internal sealed record PolicyDecision(string Role, IReadOnlyDictionary<string, string> Variables)
{
    public static PolicyDecision Of(string role) => new(role, new Dictionary<string, string>());
}
