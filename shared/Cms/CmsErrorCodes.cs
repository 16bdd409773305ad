namespace Jumpstart.Shared.Cms;

/// <summary>Application error codes the CMS answers with (JSON-RPC server-defined range).</summary>
public static class CmsErrorCodes
{
    public const int UnknownDeployment = -32001;
    public const int Unauthorized = -32002;
    public const int UnknownInstance = -32003;
    public const int InvalidRequest = -32004;
    public const int DeploymentExists = -32005;
    public const int PolicyFailed = -32010;

    /// <summary>The CMS's store (etcd) has no quorum or cannot be reached: nothing was changed; try again, or another CMS.</summary>
    public const int StoreUnavailable = -32011;
}
