using System.Globalization;
using Jumpstart.Hostd.Traffic.Flows;
using Jumpstart.Tests.Traffic;

namespace Jumpstart.Bench.Flows;

/// <summary>The flows benchmark: prints <c>key: value</c> lines and a final <c>summary:</c> line.</summary>
public static partial class FlowsBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var mode = args.Length > 0 ? args[0] : "all";
        var options = BenchOptions.Parse(args.Skip(1).ToArray());
        var summary = new List<string>();
        if (mode is "agreement" or "all")
        {
            Agreement(options, summary);
        }

        if (mode is "offline" or "all")
        {
            await OfflineAsync(options, summary);
        }

        if (mode is "live" or "all")
        {
            await LiveAsync(options, summary);
        }

        Console.WriteLine($"summary: {string.Join(", ", summary)}");
        return 0;
    }

    private static void Agreement(BenchOptions options, List<string> summary)
    {
        var data = options.Data ?? NdpiOracle.FindDataDirectory(AppContext.BaseDirectory);
        if (data is null)
        {
            Console.WriteLine("agreement: skipped (no ../shared/data/ndpi)");
            return;
        }

        var agreement = NdpiOracle.Compare(data, FlowTableOptions.NdpiCompatible);
        var followed = NdpiOracle.Compare(data, FlowTableOptions.NdpiCompatible with { FollowFragments = true });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"agreement_fragments_followed: {followed.ExactFraction:P2}"));
        Console.WriteLine("agreement table (nDPI reference outputs):");
        Console.Write(agreement.Table());
        if (options.Verbose)
        {
            foreach (var line in agreement.Differences)
            {
                Console.WriteLine("difference: " + line);
            }

            foreach (var line in agreement.IatDifferences)
            {
                Console.WriteLine("iat difference: " + line);
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"agreement_exact_counts: {agreement.ExactFraction:P2}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"agreement_iat_ndpi_mode: {agreement.Fraction(NdpiAgreement.NdpiIat):P2}"));
        summary.Add(string.Create(CultureInfo.InvariantCulture, $"nDPI agreement {agreement.ExactFraction:P2} of {agreement.ReferenceFlows} flows exact"));
    }
}
