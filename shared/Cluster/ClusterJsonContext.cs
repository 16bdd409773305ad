using System.Text.Json;
using System.Text.Json.Serialization;

namespace Jumpstart.Shared.Cluster;

/// <summary>Source-generated serialization metadata of the cluster's contracts (camelCase, web defaults).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ClusterHostInfo[]))]
[JsonSerializable(typeof(DistributeRequest))]
[JsonSerializable(typeof(DistributeResult))]
[JsonSerializable(typeof(DistributionPlanRequest))]
[JsonSerializable(typeof(DistributionPlan))]
[JsonSerializable(typeof(DistributionRecord))]
[JsonSerializable(typeof(ClusterInitResult))]
[JsonSerializable(typeof(ClusterInvokeRequest))]
[JsonSerializable(typeof(ClusterJoinRequest))]
[JsonSerializable(typeof(ClusterJoinResult))]
[JsonSerializable(typeof(ClusterRemoveRequest))]
[JsonSerializable(typeof(ClusterInitRequest))]
[JsonSerializable(typeof(ClusterAddManagerRequest))]
[JsonSerializable(typeof(ClusterAddManagerResult))]
[JsonSerializable(typeof(PromoteMessage))]
[JsonSerializable(typeof(ClusterMigrateStoreRequest))]
[JsonSerializable(typeof(ClusterMigrateStoreResult))]
[JsonSerializable(typeof(ClusterRemoveResult))]
[JsonSerializable(typeof(ClusterStatus))]
[JsonSerializable(typeof(HeartbeatResult))]
[JsonSerializable(typeof(HelloResult))]
[JsonSerializable(typeof(HostHeartbeat))]
[JsonSerializable(typeof(HostHello))]
[JsonSerializable(typeof(JoinCaResult))]
[JsonSerializable(typeof(JoinGrant))]
[JsonSerializable(typeof(JoinSigningRequest))]
[JsonSerializable(typeof(RevocationListMessage))]
[JsonSerializable(typeof(TokenCreateRequest))]
[JsonSerializable(typeof(TokenCreateResult))]
[JsonSerializable(typeof(TokenInfo[]))]
public sealed partial class ClusterJsonContext : JsonSerializerContext;
