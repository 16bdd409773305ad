using System.Globalization;
using System.Text;
using Jumpstart.Shared.Processes;

namespace Jumpstart.Hostd.Classification.Evaluation;

/// <summary>Draws error vs unlabeled rate for every learner as a PNG with gnuplot (Debian gnuplot-nox).</summary>
public static class ErrorChart
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(1);

    /// <summary>Writes <paramref name="pngPath"/>; throws <see cref="IOException"/> when gnuplot fails.</summary>
    public static async Task WriteAsync(EvaluationReport report, string pngPath, string gnuplot = "gnuplot", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (pngPath.IndexOfAny(['\'', '\n', '\r']) >= 0)
        {
            throw new ArgumentException("the chart path may not contain quotes or line breaks (it goes into a gnuplot script)", nameof(pngPath));
        }

        var work = Directory.CreateTempSubdirectory("jumpstart-chart-");
        try
        {
            var data = new StringBuilder("# rate j48 randomtree bagging randomforest coforest-initial coforest-final\n");
            foreach (var r in report.Rates)
            {
                data.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{r.UnlabeledRate * 100} {r.J48} {r.RandomTree} {r.Bagging} {r.RandomForest} {r.CoForestInitial} {r.CoForestFinal}"));
            }

            var dataPath = Path.Combine(work.FullName, "errors.dat");
            await File.WriteAllTextAsync(dataPath, data.ToString(), cancellationToken);
            var titles = new[] { "J4.8", "RandomTree", "Bagging", "RandomForest", "Co-Forest initial", "Co-Forest final" };
            var plots = titles.Select((title, i) => $"'{dataPath}' using 1:{i + 2} with linespoints lw 2 title '{title}'");
            var script = new StringBuilder();
            script.AppendLine("set terminal pngcairo size 900,600 noenhanced");
            script.AppendLine(string.Create(CultureInfo.InvariantCulture, $"set output '{Path.GetFullPath(pngPath)}'"));
            script.AppendLine(string.Create(CultureInfo.InvariantCulture, $"set title 'Error vs unlabeled rate ({Path.GetFileName(report.Data)}, {report.Repeats} repeats)'"));
            script.AppendLine("set xlabel 'unlabeled rate (%)'");
            script.AppendLine("set ylabel 'error'");
            script.AppendLine("set key top left");
            script.AppendLine("set grid");
            script.AppendLine($"plot {string.Join(", ", plots)}");
            var scriptPath = Path.Combine(work.FullName, "chart.gp");
            await File.WriteAllTextAsync(scriptPath, script.ToString(), cancellationToken);
            ProcessResult result;
            try
            {
                result = await ProcessRunner.RunAsync(gnuplot, [scriptPath], new ProcessRunOptions { Timeout = s_timeout }, cancellationToken);
            }
            catch (ProcessStartException ex)
            {
                throw new IOException($"cannot run {gnuplot} for the chart (Debian package gnuplot-nox): {ex.Message}", ex);
            }

            if (!result.Succeeded || !File.Exists(pngPath))
            {
                throw new IOException($"gnuplot failed ({result.ExitCode}{(result.TimedOut ? ", timed out" : "")}): {result.StandardError.Trim()}");
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }
}
