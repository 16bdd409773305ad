// Namespace Jumpstart (not Jumpstart.Shared.Logging) so every file under Jumpstart.* names an id
// as LogEventIds.Area.Name without a using directive.
namespace Jumpstart;

/// <summary>
/// Every log event id of Jumpstart's processes, in one place, so that no two messages of one
/// process share an id (an operator filters the journal by id). hostd runs hostd/ and shared/,
/// guestd runs guestd/ and shared/: within each of those sets an id is unique, which
/// LogEventIdsTests checks by reflection over every [LoggerMessage]. hostd's and guestd's ranges
/// may overlap each other, never shared/'s.
/// </summary>
/// <remarks>
/// Ranges (one nested class per area; take the next free number in your area's range):
/// <code>
/// Shared by both daemons (shared/)
///   1000-1099  Systemd              shared/Systemd
///   1100-1199  JsonRpc              shared/JsonRpc
///   7000-7049  Nbd                  shared/Nbd
/// hostd (hostd/)
///   2000-2099  HostdDaemon          hostd/Daemon
///   3000-3099  Cms                  hostd/Cms
///   4000-4019  Qmp                  hostd/Qmp
///   4020-4099  Vm                   hostd/Vm
///   4100-4199  Images               hostd/Images
///   4200-4299  Clones               hostd/Clones
///   4300-4399  Templates            hostd/Bundles
///   4600-4699  Distribution         hostd/Images/Distribution
///   7050-7099  ImageService         hostd/Images
///   7400-7499  Traffic              hostd/Traffic
///   8000-8099  Store                hostd/Store
///   4700-4799  HostdDBus            hostd/DBus
///   4800-4899  Metrics              hostd/Metrics
///   4900-4999  Cluster              hostd/Cluster
///   5000-5099  ControlPlane         hostd/Cluster/Etcd
/// guestd (guestd/)
///   2000-2199  GuestdNetwork        guestd/Network
///   3000-3099  GuestdSelf           guestd/Self
///   4000-4099  GuestdCms            guestd/Cms
///   5000-5099  GuestdAssignment     guestd/Roles
///   5100-5199  GuestdConfiguration  guestd/Configuration
///   6000-6099  GuestdDaemon         guestd/Daemon
/// </code>
/// </remarks>
public static class LogEventIds
{
    /// <summary>shared/Systemd (1000-1099).</summary>
    public static class Systemd
    {
        public const int NotifyFailed = 1001;
        public const int WatchdogEnabled = 1010;
        public const int SocketClaimed = 1020;
        public const int ClosingUnclaimed = 1021;
        public const int CloseFailed = 1022;
        public const int CloexecFailed = 1023;
        public const int Reloading = 1030;
        public const int Reloaded = 1031;
        public const int ReloadRejected = 1032;
        public const int Started = 1040;
        public const int Signal = 1042;
        public const int EnvironmentProblem = 1043;
    }

    /// <summary>shared/JsonRpc (1100-1199).</summary>
    public static class JsonRpc
    {
        public const int FramingError = 1100;
        public const int SlowSender = 1101;
        public const int IdleClosed = 1102;
        public const int TooManyConnections = 1103;
        public const int PeerRefused = 1104;
        public const int HandlerFailed = 1105;
        public const int Refused = 1106;
        public const int Listening = 1109;
        public const int AcceptFailed = 1110;
        public const int ConfigureFailed = 1111;
        public const int StaleSocketReplaced = 1113;
        public const int NoFirstFrame = 1114;
        public const int Reclaiming = 1115;
    }

    /// <summary>shared/Nbd (7000-7049).</summary>
    public static class Nbd
    {
        public const int Listening = 7000;
        public const int StaleSocketReplaced = 7001;
        public const int AcceptFailed = 7002;
        public const int TooManyConnections = 7003;
        public const int ProtocolViolation = 7004;
        public const int PeerClosed = 7005;
        public const int TransmissionStarted = 7006;
        public const int OptionRefused = 7007;
        public const int RequestFailed = 7008;
        public const int ConnectionFailed = 7009;
        public const int HandshakeTimedOut = 7010;
        public const int Disconnected = 7011;
        public const int ConnectionCap = 7012;
        public const int ReplyStalled = 7013;
    }

    /// <summary>hostd/Daemon (2000-2099).</summary>
    public static class HostdDaemon
    {
        public const int Activated = 2000;
        public const int Bound = 2001;
        public const int Status = 2010;
    }

    /// <summary>hostd/Cms (3000-3099).</summary>
    public static class Cms
    {
        public const int Listening = 3000;
        public const int DeploymentCreated = 3001;
        public const int DeploymentDeleted = 3002;
        public const int Registered = 3003;
        public const int Reported = 3004;
        public const int Refused = 3005;
        public const int PolicyStderr = 3006;
        public const int Stopped = 3007;
        public const int FollowsClusterStore = 3008;
        public const int StoreSwitchFailed = 3009;
    }

    /// <summary>hostd/Qmp (4000-4019).</summary>
    public static class Qmp
    {
        public const int Connected = 4000;
        public const int Sending = 4001;
        public const int Event = 4002;
        public const int Closed = 4003;
        public const int UnknownId = 4004;
    }

    /// <summary>hostd/Vm (4020-4099).</summary>
    public static class Vm
    {
        public const int Started = 4020;
        public const int Died = 4021;
        public const int Stopped = 4022;
        public const int Rediscovered = 4023;
        public const int FoundDead = 4024;
        public const int Killing = 4025;
        public const int AcceleratorChosen = 4026;
    }

    /// <summary>hostd/Images (4100-4199).</summary>
    public static class Images
    {
        public const int Opened = 4100;
        public const int FetchFailed = 4101;
        public const int ReadAheadFailed = 4102;
        public const int Filled = 4103;
        public const int Replayed = 4104;
        public const int Retrying = 4110;
        public const int FailedOver = 4111;
        public const int Switched = 4112;
        public const int ReplicaAdded = 4113;
    }

    /// <summary>hostd/Clones (4200-4299).</summary>
    public static class Clones
    {
        public const int Running = 4200;
        public const int Failed = 4201;
        public const int Refused = 4202;
    }

    /// <summary>hostd/Bundles (4300-4399).</summary>
    public static class Templates
    {
        public const int Created = 4300;
    }

    /// <summary>hostd/Images/Distribution (4600-4699).</summary>
    public static class Distribution
    {
        public const int CopyStarted = 4600;
        public const int CopyFinished = 4601;
        public const int CopyFailed = 4602;
        public const int MulticastFinished = 4610;
        public const int MulticastFailed = 4611;
        public const int Decision = 4620;
        public const int StepFailed = 4621;
        public const int Observation = 4622;
    }

    /// <summary>hostd/Images (7050-7099).</summary>
    public static class ImageService
    {
        public const int Listening = 7050;
        public const int Served = 7051;
        public const int Unavailable = 7052;
        public const int Removed = 7053;
        public const int Switched = 7054;
        public const int Filled = 7055;
        public const int Replicated = 7056;
        public const int Stopped = 7057;
        public const int ReplayFailed = 7058;
    }

    /// <summary>hostd/Traffic (7400-7499).</summary>
    public static class Traffic
    {
        public const int CaptureStarted = 7400;
        public const int CaptureStopped = 7401;
        public const int CaptureFailed = 7402;
        public const int FlowsDropped = 7403;
        public const int StoreFailed = 7404;
        public const int ModelLoaded = 7405;
        public const int ModelRejected = 7406;
        public const int ModelUnloaded = 7407;
        public const int LabellingSummary = 7408;
    }

    /// <summary>hostd/Store (8000-8099).</summary>
    public static class Store
    {
        public const int Listening = 8000;
        public const int Refused = 8001;
        public const int ConnectionFailed = 8002;
        public const int Stopped = 8003;
        public const int PutFailed = 8004;
        public const int AcceptFailed = 8005;
        public const int Problem = 8010;
        public const int Stored = 8011;
        public const int Repaired = 8012;
        public const int CapsLowered = 8013;
        public const int HelloDropped = 8014;
        public const int RefusedAtAccept = 8015;
    }

    /// <summary>hostd/DBus (4700-4799).</summary>
    public static class HostdDBus
    {
        public const int NotUsed = 4700;
        public const int NoMachined = 4701;
        public const int RegisteringMachines = 4702;
        public const int MachineRegistered = 4703;
        public const int MachineRegisterFailed = 4704;
        public const int MachineTerminated = 4705;
        public const int TerminateFailed = 4706;
        public const int Published = 4707;
        public const int CannotOwnName = 4708;
        public const int QueueFull = 4709;
    }

    /// <summary>hostd/Metrics (4800-4899).</summary>
    public static class Metrics
    {
        public const int Serving = 4800;
        public const int CannotServe = 4801;
        public const int Stopped = 4802;
    }

    /// <summary>hostd/Cluster (4900-4999).</summary>
    public static class Cluster
    {
        public const int Listening = 4900;
        public const int PeerRefused = 4901;
        public const int HandshakeFailed = 4902;
        public const int ConnectionRefused = 4903;
        public const int AcceptFailed = 4904;
        public const int HandlerFailed = 4905;
        public const int Created = 4910;
        public const int Joined = 4911;
        public const int Started = 4912;
        public const int HostAdmitted = 4920;
        public const int JoinRefused = 4921;
        public const int TokenCreated = 4922;
        public const int HostDown = 4923;
        public const int HostUp = 4924;
        public const int HostRemoved = 4925;
        public const int RevocationsApplied = 4930;
        public const int ManagerConnected = 4931;
        public const int ManagerLost = 4932;
        public const int ThisHostRevoked = 4933;
        public const int BundleReceived = 4940;
        public const int BundleRefused = 4941;
        public const int BundleDistributed = 4942;
        public const int DeploymentStarted = 4943;
        public const int DeploymentEnded = 4944;
        public const int DeploymentFailed = 4945;
        public const int DeploymentHostFailed = 4946;
        public const int DeploymentRemoved = 4947;
        public const int RemoteCallRelayed = 4980;
        public const int RemoteCallRun = 4981;
        public const int RemoteCallRefused = 4982;
        public const int DeploymentImagesPreparing = 4990;
        public const int DeploymentImagesKept = 4991;
        public const int DeploymentImagesPrepared = 4992;
    }

    /// <summary>hostd/Cluster/Etcd: the manager's state on etcd, the leader election (5000-5099).</summary>
    public static class ControlPlane
    {
        public const int Leading = 5000;
        public const int LostLeadership = 5001;
        public const int CampaignFailed = 5002;
        public const int ManagerAdded = 5010;
        public const int LivenessWatchFailed = 5011;
        public const int Promoted = 5012;
        public const int ManagerFailover = 5013;
        public const int PromotionFailed = 5014;
    }

    /// <summary>guestd/Network (2000-2199).</summary>
    public static class GuestdNetwork
    {
        public const int Matched = 2001;
        public const int DhcpLeftToSystem = 2002;
        public const int Announced = 2003;
        public const int AnnounceFailed = 2004;
        public const int Ip = 2100;
        public const int Arping = 2101;
        public const int Batch = 2102;
    }

    /// <summary>guestd/Self (3000-3099).</summary>
    public static class GuestdSelf
    {
        public const int Starting = 3001;
        public const int Output = 3002;
    }

    /// <summary>guestd/Cms (4000-4099).</summary>
    public static class GuestdCms
    {
        public const int Connected = 4001;
        public const int Retry = 4002;
    }

    /// <summary>guestd/Roles (5000-5099).</summary>
    public static class GuestdAssignment
    {
        public const int WroteFile = 5001;
        public const int Running = 5002;
        public const int Output = 5003;
    }

    /// <summary>guestd/Configuration (5100-5199).</summary>
    public static class GuestdConfiguration
    {
        public const int AlreadyApplied = 5101;
        public const int Applying = 5102;
        public const int Role = 5103;
        public const int Applied = 5104;
        public const int Failed = 5105;
        public const int ReportFailedFailed = 5106;
        public const int Reseeded = 5110;
        public const int NoSeed = 5111;
        public const int Clock = 5112;
        public const int WarmedUp = 5120;
        public const int HostnamedSet = 5121;
        public const int HostnamedFailed = 5122;
        public const int FreeMemoryZeroed = 5123;
    }

    /// <summary>guestd/Daemon (6000-6099).</summary>
    public static class GuestdDaemon
    {
        public const int Watching = 6001;
        public const int NewDisc = 6002;
        public const int NoDisc = 6003;
        public const int DiscRejected = 6004;
        public const int ReaderBug = 6005;
        public const int ConsoleFailed = 6010;
    }
}
