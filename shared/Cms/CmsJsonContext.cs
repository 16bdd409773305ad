using System.Text.Json;
using System.Text.Json.Serialization;

namespace Jumpstart.Shared.Cms;

/// <summary>Source-generated serialization metadata of the CMS's wire contracts (camelCase, web defaults).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RegisterRequest))]
[JsonSerializable(typeof(ReportRequest))]
[JsonSerializable(typeof(PeersRequest))]
[JsonSerializable(typeof(WaitRequest))]
[JsonSerializable(typeof(HeartbeatRequest))]
[JsonSerializable(typeof(AdminRequest))]
[JsonSerializable(typeof(RoleAssignment))]
[JsonSerializable(typeof(PeerInfo))]
[JsonSerializable(typeof(IReadOnlyList<PeerInfo>))]
[JsonSerializable(typeof(WaitResult))]
[JsonSerializable(typeof(DeploymentStatus))]
[JsonSerializable(typeof(IReadOnlyList<DeploymentStatus>))]
public sealed partial class CmsJsonContext : JsonSerializerContext;
