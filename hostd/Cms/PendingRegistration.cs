using Jumpstart.Hostd.Cms.Storage;
using Jumpstart.Shared.Cms;

namespace Jumpstart.Hostd.Cms;

/// <summary>A first registration waiting for its deployment's next batch.</summary>
internal sealed class PendingRegistration(DeploymentRecord deployment, RegisterRequest request)
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DeploymentRecord Deployment { get; } = deployment;

    public RegisterRequest Request { get; } = request;

    /// <summary>Completes once the role is stored, or fails with the reason (e.g. PolicyFailed).</summary>
    public Task Done => _done.Task;

    public void Complete() => _done.TrySetResult();

    public void Fail(Exception exception) => _done.TrySetException(exception);
}
