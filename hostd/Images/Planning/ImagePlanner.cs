using Station = Jumpstart.Hostd.Images.Planning.ClosedQueueingModel.StationGroup;

namespace Jumpstart.Hostd.Images.Planning;

/// <summary>
/// The paper's cost model (DESIGN.md, seed 1: "a cost model that picks how many image copies to make"):
/// for each distribution scheme and k = 1..K images, cloud time = distribution time + running time of the
/// application under the access delay its VMs see, where each image server serves N/k VMs.
/// </summary>
/// <remarks>
/// <para>Symbols (all from <see cref="PlanInput"/>): N VMs on H hosts, image size S, per-VM read load R in
/// requests of q bytes (n = ⌈R/q⌉ requests), compute time T (think time Z = T/n per request), disk bandwidth D,
/// host link B, real-server link B_s, remote latency L, local latency L_l. The real server's capacity is
/// C_s = min(D, B_s); a copy on a VM host serves remote VMs at C_i = min(D, B).</para>
/// <para>Running time: every VM runs the same closed loop (think, wait the latency, queue at its image
/// server), solved exactly by mean-value analysis (<see cref="ClosedQueueingModel"/>); running = n × mean
/// request cycle. Copies sit on k of the H hosts, so a share f = k/H of the VMs reads locally (demand q/D,
/// latency L_l) and the rest remotely (q/C_i, latency L, plus their own host link q/B). Each of the k image
/// stations receives 1/k of all requests: this is "each server serves N/k VMs".</para>
/// <para>Distribution: shared 0; unicast t = max(kS/C_s, S/min(B, D)) (the real server sends k copies, each
/// receiver takes one); multicast t = (1+ρ)S/min(C_s, B, D), the same for every k; on-demand 0 (pseudo images
/// start empty). On-demand running adds the cold misses: each pseudo image fetches its working set
/// W = ⌈wS/e⌉e once, so the real server carries kW over the run (demand kW/(C_s N n) per request) and a share
/// m = min(1, (W/e)/((N/k)n)) of requests pays one more upstream latency. Background: the VMs start on the real
/// server, which gives a share β of its bandwidth to making the copies (t_c = max(kS/(βC_s), S/min(B, D))); until
/// t_c the VMs run as in the shared scheme on (1-β)C_s, then as pre-deployed with k copies; t_c overlaps the run
/// and is not added to cloud time.</para>
/// <para>Approximations: MVA assumes exponential service (it over-estimates queueing below saturation and is
/// exact at the bottleneck bound); on-demand misses are spread over the run rather than front-loaded.</para>
/// </remarks>
public static class ImagePlanner
{
    /// <summary>Every scheme in <paramref name="schemes"/> (default all) for k = 1..min(K, H); the best has the least cloud time.</summary>
    public static ImagePlan Plan(PlanInput input, IReadOnlyCollection<DistributionScheme>? schemes = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        input.Validate();
        schemes ??= Enum.GetValues<DistributionScheme>();
        if (schemes.Count == 0)
        {
            throw new PlanInputException("no scheme to plan");
        }

        var maxImages = Math.Min(input.MaxImages, input.EffectiveHosts);
        var predictions = new List<SchemePrediction>();
        foreach (var scheme in Enum.GetValues<DistributionScheme>().Where(schemes.Contains))
        {
            var last = scheme == DistributionScheme.Shared ? 1 : maxImages;
            for (var k = 1; k <= last; k++)
            {
                predictions.Add(Predict(input, scheme, k));
            }
        }

        // Ties go to fewer images (less disk and traffic), then to the simpler scheme (enum order).
        var best = predictions.OrderBy(p => p.CloudSeconds).ThenBy(p => p.Images).ThenBy(p => p.Scheme).First();
        return new ImagePlan(input, predictions, best);
    }

    /// <summary>One scheme with <paramref name="images"/> images (1..H; <see cref="DistributionScheme.Shared"/> takes 1 only).</summary>
    public static SchemePrediction Predict(PlanInput input, DistributionScheme scheme, int images)
    {
        ArgumentNullException.ThrowIfNull(input);
        input.Validate();
        if (images < 1 || images > input.EffectiveHosts || (scheme == DistributionScheme.Shared && images != 1))
        {
            throw new PlanInputException($"{scheme} cannot use {images} images with {input.EffectiveHosts} hosts");
        }

        var m = new Model(input);
        return scheme switch
        {
            DistributionScheme.Shared => m.Shared(),
            DistributionScheme.PreDeployUnicast => m.PreDeployed(scheme, images, m.UnicastSeconds(images, 1.0), images * (double)input.ImageSize),
            DistributionScheme.PreDeployMulticast => m.PreDeployed(scheme, images, m.MulticastSeconds(), input.ImageSize),
            DistributionScheme.Background => m.Background(images),
            DistributionScheme.OnDemand => m.OnDemand(images),
            _ => throw new PlanInputException($"unknown scheme {scheme}"),
        };
    }

    /// <summary>The model's derived quantities for one input.</summary>
    private sealed class Model(PlanInput input)
    {
        private readonly int _n = input.Vms;
        private readonly int _h = input.EffectiveHosts;
        private readonly double _q = input.EffectiveRequestSize;
        private readonly double _requests = Math.Ceiling((double)input.ReadPerVm / input.EffectiveRequestSize);
        private readonly double _serverCapacity = Math.Min(input.DiskBandwidth, input.EffectiveServerBandwidth);
        private readonly double _copyCapacity = Math.Min(input.DiskBandwidth, input.NetworkBandwidth);
        private readonly double _receiveCapacity = Math.Min(input.DiskBandwidth, input.NetworkBandwidth);

        private double Think => _requests == 0 ? 0 : input.ComputeSeconds / _requests;

        public SchemePrediction Shared()
        {
            var cycle = SharedCycle(_serverCapacity);
            return Result(DistributionScheme.Shared, 1, 0, overlapped: false, Running(cycle), cycle, _n * _requests * _q);
        }

        public double UnicastSeconds(int k, double share)
            => Math.Max(k * (double)input.ImageSize / (share * _serverCapacity), input.ImageSize / _receiveCapacity);

        public double MulticastSeconds()
            => (1 + input.MulticastOverhead) * input.ImageSize / Math.Min(_serverCapacity, _receiveCapacity);

        public SchemePrediction PreDeployed(DistributionScheme scheme, int k, double distribution, double serverBytes)
        {
            var cycle = CopiesCycle(k, extraStation: null, extraDelay: 0);
            return Result(scheme, k, distribution, overlapped: false, Running(cycle), cycle, serverBytes);
        }

        public SchemePrediction OnDemand(int k)
        {
            var extent = (double)input.FetchExtent;
            var workingSet = Math.Min(input.ImageSize, Math.Ceiling(input.EffectiveWorkingSet * input.ImageSize / extent) * extent);
            if (_requests == 0)
            {
                return Result(DistributionScheme.OnDemand, k, 0, overlapped: false, input.ComputeSeconds, 0, 0);
            }

            var perImageRequests = (double)_n / k * _requests;
            var missShare = Math.Min(1.0, workingSet / extent / perImageRequests);
            var upstreamDemand = k * workingSet / _serverCapacity / (_n * _requests);
            var cycle = CopiesCycle(k, new Station(upstreamDemand, 1), missShare * input.Latency);
            return Result(DistributionScheme.OnDemand, k, 0, overlapped: false, Running(cycle), cycle, k * workingSet);
        }

        public SchemePrediction Background(int k)
        {
            var share = input.BackgroundShare;
            var copySeconds = UnicastSeconds(k, share);
            var during = SharedCycle((1 - share) * _serverCapacity);
            var after = CopiesCycle(k, extraStation: null, extraDelay: 0);
            double running;
            double readsDuringCopy;
            if (_requests * during <= copySeconds)
            {
                running = _requests * during;
                readsDuringCopy = _requests;
            }
            else
            {
                readsDuringCopy = copySeconds / during;
                running = copySeconds + (_requests - readsDuringCopy) * after;
            }

            var serverBytes = k * (double)input.ImageSize + _n * readsDuringCopy * _q;
            return Result(DistributionScheme.Background, k, copySeconds, overlapped: true, running, after, serverBytes);
        }

        private double SharedCycle(double serverCapacity)
        {
            Station[] stations = [new(_q / serverCapacity, 1), new(_q / (_h * input.NetworkBandwidth), _h)];
            return ClosedQueueingModel.MeanCycleSeconds(_n, Think + input.Latency, stations);
        }

        private double CopiesCycle(int k, Station? extraStation, double extraDelay)
        {
            var local = (double)k / _h;
            var stations = new List<Station>
            {
                new(_q / k * ((local / input.DiskBandwidth) + ((1 - local) / _copyCapacity)), k),
            };
            if (local < 1)
            {
                stations.Add(new((1 - local) * _q / (_h * input.NetworkBandwidth), _h));
            }

            if (extraStation is { } extra)
            {
                stations.Add(extra);
            }

            var latency = (local * input.LocalLatency) + ((1 - local) * input.Latency) + extraDelay;
            return ClosedQueueingModel.MeanCycleSeconds(_n, Think + latency, stations);
        }

        private double Running(double cycle) => _requests == 0 ? input.ComputeSeconds : _requests * cycle;

        private SchemePrediction Result(DistributionScheme scheme, int k, double distribution, bool overlapped, double running, double cycle, double serverBytes) => new()
        {
            Scheme = scheme,
            Images = k,
            DistributionSeconds = distribution,
            RunningSeconds = running,
            AccessDelaySeconds = Math.Max(0, running - input.ComputeSeconds),
            MeanRequestSeconds = Math.Max(0, cycle - Think),
            CloudSeconds = (overlapped ? 0 : distribution) + running,
            ServerBytes = serverBytes,
        };
    }
}
