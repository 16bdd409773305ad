namespace Jumpstart.Shared.Cms;

/// <summary>
/// The CMS's JSON-RPC method names. Every method takes one params object (the request record,
/// camelCase); instance methods carry the instance's bearer token in that object.
/// </summary>
public static class CmsMethods
{
    // Called by guests (token = the instance's token from its metadata disc).
    public const string Register = "cms.register";
    public const string Report = "cms.report";
    public const string Peers = "cms.peers";
    public const string Wait = "cms.wait";
    public const string Heartbeat = "cms.heartbeat";

    // Called by the operator or the manager (token = the CMS admin token).
    public const string CreateDeployment = "cms.createDeployment";
    public const string GetDeployment = "cms.getDeployment";
    public const string ListDeployments = "cms.listDeployments";
    public const string DeleteDeployment = "cms.deleteDeployment";
}
