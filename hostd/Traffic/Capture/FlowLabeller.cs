using Jumpstart.Hostd.Classification;
using Jumpstart.Hostd.Traffic.Features;
using Jumpstart.Hostd.Traffic.Storage;

namespace Jumpstart.Hostd.Traffic.Capture;

/// <summary>
/// Labels finished flows with the active classifier model (label and confidence, or <c>unknown</c> when too
/// few trees agree). The model can be replaced at any moment (SIGHUP, the API): a flow is labelled by the
/// model that was active when its turn came, never by a half-loaded one, and a bad file keeps the old model.
/// </summary>
public sealed class FlowLabeller
{
    private Active? _active;
    private long _labelled;
    private long _unknown;

    /// <summary>The file of the active model (null when none is loaded).</summary>
    public string? ModelPath => Volatile.Read(ref _active)?.Path;

    /// <summary>The active model's classes (empty when none is loaded).</summary>
    public IReadOnlyList<string> ClassNames => Volatile.Read(ref _active)?.Model.ClassNames ?? [];

    /// <summary>Flows labelled since start, <c>unknown</c> answers included.</summary>
    public long Labelled => Interlocked.Read(ref _labelled);

    /// <summary>Flows answered <c>unknown</c>.</summary>
    public long Unknown => Interlocked.Read(ref _unknown);

    /// <summary>
    /// Loads <paramref name="path"/> and makes it the active model. Throws (<see cref="ClassificationDataException"/>
    /// for a damaged file or one whose features the flows lack, <see cref="IOException"/> when unreadable) and then
    /// keeps the current model.
    /// </summary>
    public ClassifierModel Load(string path)
    {
        var model = ClassifierModel.Load(path);
        var map = FeatureMap.Create(model.FeatureNames, NimsFeatures.Names);
        Volatile.Write(ref _active, new Active(path, model, map));
        return model;
    }

    /// <summary>Stops labelling (flows are stored without a label).</summary>
    public void Unload() => Volatile.Write(ref _active, null);

    /// <summary>The row with the active model's label and confidence; the row itself when no model is loaded.</summary>
    public FlowRow Label(FlowRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var active = Volatile.Read(ref _active);
        if (active is null || row.Nims.Count != NimsFeatures.Names.Count)
        {
            return row;
        }

        Span<double> source = stackalloc double[row.Nims.Count];
        for (var i = 0; i < source.Length; i++)
        {
            source[i] = row.Nims[i];
        }

        Span<double> features = stackalloc double[active.Model.FeatureNames.Count];
        active.Map.Fill(source, features);
        var prediction = active.Model.Predict(features);
        Interlocked.Increment(ref _labelled);
        if (prediction.IsUnknown)
        {
            Interlocked.Increment(ref _unknown);
        }

        return row with { Label = prediction.Label, Confidence = Math.Clamp(prediction.Confidence, 0, 1) };
    }

    private sealed record Active(string Path, ClassifierModel Model, FeatureMap Map);
}
