using System.CommandLine;
using Jumpstart.Hostd.Traffic.Capture;
using Jumpstart.Hostd.Traffic.Storage;
using Jumpstart.Shared.Cli;

namespace Jumpstart.Hostd.Cli;

public static partial class FlowsCommands
{
    /// <summary>Labels stored flows offline with a model, as hostd does live (e.g. flows extracted from a capture file).</summary>
    private static Command CreateClassify()
    {
        var db = DatabaseOption();
        var model = new Option<string>("--model") { Description = "A model made by 'jumpstart classify train'.", Required = true };
        var all = new Option<bool>("--all") { Description = "Relabel every stored flow, not only the unlabelled ones." };
        var json = new Option<bool>("--json") { Description = "Print the counts as JSON." };
        var classify = new Command("classify", "Label stored flows with a classifier model (label and confidence, or 'unknown'); hostd does this live with Traffic:ModelPath.") { db, model, all, json };
        classify.SetAction((parse, cancellationToken) => CliAction.RunAsync(parse.InvocationConfiguration.Error, async () =>
        {
            var labeller = new FlowLabeller();
            labeller.Load(parse.GetRequiredValue(model));
            using var store = await OpenExistingAsync(parse.GetRequiredValue(db), cancellationToken);
            var rows = store.Query(new FlowQuery { Limit = FlowStore.MaxQueryRows, UnlabelledOnly = !parse.GetValue(all) });
            foreach (var row in rows)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var labelled = labeller.Label(row);
                store.SetLabel(row.Id, labelled.Label!, labelled.Confidence ?? 0);
            }

            var result = new FlowsClassified(labeller.Labelled, labeller.Unknown);
            await CliOutput.WriteAsync(parse.InvocationConfiguration.Output, parse.GetValue(json), result,
                r => $"{r.Labelled} flows labelled, {r.Unknown} of them unknown");
            return ExitCodes.Ok;
        }));
        return classify;
    }

    private sealed record FlowsClassified(long Labelled, long Unknown);
}
