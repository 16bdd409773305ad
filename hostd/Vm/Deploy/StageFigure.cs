namespace Jumpstart.Hostd.Vm.Deploy;

/// <summary>One row of the breakdown: a stage's duration over all clones, in seconds.</summary>
/// <param name="Stage">One of <see cref="DeployStages"/>.</param>
/// <param name="Clones">How many clones reached the end of this stage.</param>
/// <param name="MeanSeconds">Mean per-clone duration.</param>
/// <param name="MaxSeconds">Slowest clone.</param>
public sealed record StageFigure(string Stage, int Clones, double MeanSeconds, double MaxSeconds);
