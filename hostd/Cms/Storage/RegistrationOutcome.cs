namespace Jumpstart.Hostd.Cms.Storage;

/// <summary>What <see cref="ICmsStore.RegisterAsync"/> did with one batch of first registrations.</summary>
/// <param name="Stored">The rows registered now; null when another CMS registered first (then nothing was stored).</param>
/// <param name="Changed">
/// When refused: every row changed after the version the decisions were based on, read in the same transaction, so the
/// caller brings its view up to date and decides again without another read; empty otherwise.
/// </param>
/// <param name="Version">
/// The store's version the caller's view now holds every registration of: the commit's, or the refusal's read. The next
/// batch passes it as its <c>basedOn</c>. Always 0 for a store with one writer (SQLite).
/// </param>
/// <param name="DeploymentGone">The deployment was deleted meanwhile: there is nothing to register with.</param>
internal sealed record RegistrationOutcome(IReadOnlyList<InstanceRecord>? Stored, IReadOnlyList<InstanceRecord> Changed, long Version, bool DeploymentGone = false);
