using System.Text.Json;
using Jumpstart.Hostd.Cluster.State;
using Jumpstart.Shared.IO;
using Jumpstart.Shared.JsonRpc;

namespace Jumpstart.Hostd.Cluster.Deployments;

/// <summary>The deployment's record and placements in the manager's store, and its last report beside them.</summary>
internal sealed partial class ClusterDeployer
{
    /// <summary>The folder (in the cluster directory) that keeps each deployment's last report.</summary>
    public const string ReportsFolder = "deployments";

    /// <summary>Writes the record and every placement (its current host and state) in one step each.</summary>
    private async Task SaveAsync(string state, string bundle, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await store.PutDeploymentAsync(
            new ClusterDeploymentRecord
            {
                Id = _request.DeploymentId,
                Bundle = bundle,
                SpecJson = JsonSerializer.Serialize(_request, JsonRpcWire.SerializerOptions),
                State = state,
                CreatedAt = _createdAt,
                UpdatedAt = now,
            },
            cancellationToken);
        await store.SetPlacementsAsync(_request.DeploymentId, Placements(), cancellationToken);
    }

    /// <summary>Every host an instance is or was placed on, as rows: the current one with its state, earlier ones as moved.</summary>
    private List<PlacementRecord> Placements()
    {
        var rows = new List<PlacementRecord>();
        foreach (var slot in _slots.Values.OrderBy(s => s.Number))
        {
            rows.Add(new PlacementRecord { DeploymentId = _request.DeploymentId, Instance = slot.Name, Host = slot.Host, State = slot.State });
        }

        return rows;
    }

    /// <summary>Best effort when the run is ending badly: the record must say so, but the original failure is what the caller gets.</summary>
    private async Task SaveQuietlyAsync(string state, string? bundle)
    {
        try
        {
            await SaveAsync(state, bundle ?? ColdBootBundle, CancellationToken.None);
        }
        catch (Exception ex) when (ex is ClusterException or IOException or InvalidOperationException or Microsoft.Data.Sqlite.SqliteException)
        {
            ClusterLog.DeploymentFailed(logger, _request.DeploymentId, $"its record could not be updated to {state}: {ex.Message}");
        }
    }

    private Task SaveReportAsync(ClusterDeployReport report)
    {
        var folder = Path.Combine(cluster.Files.Directory, ReportsFolder);
        Directory.CreateDirectory(folder);
        AtomicFile.WriteAllText(ReportPath(cluster.Files.Directory, report.DeploymentId), JsonSerializer.Serialize(report, JsonRpcWire.SerializerOptions), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return Task.CompletedTask;
    }

    /// <summary>Where the last report of deployment <paramref name="id"/> is kept.</summary>
    public static string ReportPath(string clusterDirectory, string id) => Path.Combine(clusterDirectory, ReportsFolder, $"{id}.json");
}
