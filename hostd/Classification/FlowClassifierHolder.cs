namespace Jumpstart.Hostd.Classification;

/// <summary>
/// The active model of a running service, replaceable at runtime (SIGHUP or an API call reloads the
/// file): callers classify through <see cref="Predict"/> and never see a half-loaded model; a bad file
/// leaves the current model in place.
/// </summary>
public sealed class FlowClassifierHolder(ClassifierModel? initial = null) : IFlowClassifier
{
    private volatile ClassifierModel? _current = initial;

    public ClassifierModel? Current => _current;

    public IReadOnlyList<string> FeatureNames => Required.FeatureNames;

    public IReadOnlyList<string> ClassNames => Required.ClassNames;

    private ClassifierModel Required => _current ?? throw new InvalidOperationException("no classifier model is loaded");

    public FlowPrediction Predict(ReadOnlySpan<double> features) => Required.Predict(features);

    /// <summary>Swaps in <paramref name="model"/>; returns the previous one.</summary>
    public ClassifierModel? Replace(ClassifierModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Interlocked.Exchange(ref _current, model);
    }

    /// <summary>Loads <paramref name="path"/> and swaps it in; throws (keeping the current model) if the file is bad.</summary>
    public ClassifierModel Reload(string path)
    {
        var model = ClassifierModel.Load(path);
        Replace(model);
        return model;
    }
}
