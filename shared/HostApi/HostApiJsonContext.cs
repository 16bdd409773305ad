using System.Text.Json;
using System.Text.Json.Serialization;

namespace Jumpstart.Shared.HostApi;

/// <summary>Source-generated serialization metadata of hostd's control-socket contracts (camelCase, web defaults).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(HostStatus))]
[JsonSerializable(typeof(BootRequest))]
[JsonSerializable(typeof(BundleInfo))]
[JsonSerializable(typeof(BundleInfo[]))]
[JsonSerializable(typeof(CloneRequest))]
[JsonSerializable(typeof(CloneReport))]
[JsonSerializable(typeof(ConsoleRequest))]
[JsonSerializable(typeof(ImageAddRequest))]
[JsonSerializable(typeof(ImageFillRequest))]
[JsonSerializable(typeof(ImageInfo))]
[JsonSerializable(typeof(ImageInfo[]))]
[JsonSerializable(typeof(ImageReplicateRequest))]
[JsonSerializable(typeof(ImageStats))]
[JsonSerializable(typeof(ImageSwitchRequest))]
[JsonSerializable(typeof(ModelLoadRequest))]
[JsonSerializable(typeof(NameRequest))]
[JsonSerializable(typeof(ProgressNote))]
[JsonSerializable(typeof(StoreGetRequest))]
[JsonSerializable(typeof(StoreGetResult))]
[JsonSerializable(typeof(StorePutRequest))]
[JsonSerializable(typeof(StorePutResult))]
[JsonSerializable(typeof(StoreRepairReport))]
[JsonSerializable(typeof(StoreRepairRequest))]
[JsonSerializable(typeof(StoreVerifyReport))]
[JsonSerializable(typeof(StoredFileInfo[]))]
[JsonSerializable(typeof(TemplateCreateRequest))]
[JsonSerializable(typeof(TrafficStatus))]
[JsonSerializable(typeof(VmInfo[]))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(string))]
public sealed partial class HostApiJsonContext : JsonSerializerContext;
