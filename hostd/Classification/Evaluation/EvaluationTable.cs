using System.Globalization;
using System.Text;

namespace Jumpstart.Hostd.Classification.Evaluation;

/// <summary>Formats a report like the paper's Tables 3 and 4 plus the unknown-class run.</summary>
public static class EvaluationTable
{
    public static string Format(EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder();
        text.AppendLine(Invariant($"data: {report.Data} ({report.Flows} flows, {report.Classes} classes, {report.Features} features); {report.Repeats} repeats, up to {report.TrainingPerClass} training flows per class, {report.Trees} trees, C = {report.Confidence}, seed {report.Seed}"));
        text.AppendLine("error (mean over repeats)");
        text.AppendLine("unlabeled  |L|    |U|    J4.8    RandomTree  Bagging  RandomForest  CoForest-initial  CoForest-final  improvement  rounds");
        foreach (var r in report.Rates)
        {
            text.AppendLine(Invariant($"{r.UnlabeledRate,7:P0}  {r.Labeled,5:F0}  {r.Unlabeled,5:F0}  {r.J48,6:F4}  {r.RandomTree,10:F4}  {r.Bagging,7:F4}  {r.RandomForest,12:F4}  {r.CoForestInitial,16:F4}  {r.CoForestFinal,14:F4}  {r.Improvement,11:P1}  {r.CoForestRounds,6:F1}"));
        }

        if (report.Adaptability.Count > 0)
        {
            text.AppendLine("adaptability (train on one half, test on the other half with a skewed class mix)");
            text.AppendLine("unlabeled  RandomForest  CoForest-initial  CoForest-final  improvement");
            foreach (var a in report.Adaptability)
            {
                text.AppendLine(Invariant($"{a.UnlabeledRate,7:P0}  {a.RandomForest,12:F4}  {a.CoForestInitial,16:F4}  {a.CoForestFinal,14:F4}  {a.Improvement,11:P1}"));
            }
        }

        if (report.Unknown.Count > 0)
        {
            text.AppendLine(Invariant($"unknown class (one class withheld per repeat, {report.UnknownRunRate:P0} unlabeled)"));
            text.AppendLine("theta  withheld->unknown  known->unknown  known-error");
            foreach (var u in report.Unknown)
            {
                text.AppendLine(Invariant($"{u.Theta,5}  {u.WithheldAnsweredUnknown,17:P1}  {u.KnownAnsweredUnknown,14:P1}  {u.KnownError,11:P1}"));
            }
        }

        text.AppendLine(Invariant($"time: {report.Seconds:F1} s"));
        return text.ToString();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
