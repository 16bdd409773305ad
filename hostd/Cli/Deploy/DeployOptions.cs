namespace Jumpstart.Hostd.Cli.Deploy;

/// <summary>What <c>jumpstart deploy</c> was asked for.</summary>
public sealed record DeployOptions
{
    /// <summary>Default number of clones.</summary>
    public const int DefaultCount = 4;

    /// <summary>The most clones one deploy may ask one host for.</summary>
    public const int MaxCount = 64;

    /// <summary>The line jumpstart-guestd prints on the test guest's console once it watches the CDROM.</summary>
    public const string DefaultReadyMarker = "JUMPSTART-GUESTD: ready";

    /// <summary>Default first clone address.</summary>
    public const string DefaultFirstAddress = "10.99.0.10/24";

    /// <summary>Default bound on request -> all roles.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The deployment id on the CMS; also the prefix of the instance ids and hostnames.</summary>
    public required string DeploymentId { get; init; }

    public int Count { get; init; } = DefaultCount;

    /// <summary>An existing state bundle, or null to make one from <see cref="TemplateSpecFile"/>.</summary>
    public string? Bundle { get; init; }

    /// <summary>VM spec file of the template to boot and suspend when no bundle is given.</summary>
    public string? TemplateSpecFile { get; init; }

    /// <summary><c>stream</c> or <c>mapped</c> (see the state bundle's manifest).</summary>
    public string MemoryFormat { get; init; } = "stream";

    /// <summary>Boot every VM from scratch with its disc instead of cloning (the baseline the clones are measured against).</summary>
    public bool ColdBoot { get; init; }

    /// <summary>With <see cref="ColdBoot"/>: boot a baked image (jumpstart image bake) instead of <see cref="TemplateSpecFile"/>.</summary>
    public string? ColdImage { get; init; }

    /// <summary>With <see cref="ColdImage"/>: kernel arguments after the image's own.</summary>
    public string? ColdImageAppend { get; init; }

    /// <summary><c>master-workers</c> or <c>all-same</c>.</summary>
    public string Policy { get; init; } = "master-workers";

    /// <summary>Bound on request -> all roles.</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>The first clone's address (CIDR); the others take the next addresses.</summary>
    public string FirstAddress { get; init; } = DefaultFirstAddress;

    /// <summary>Every clone's default gateway, or null.</summary>
    public string? Gateway { get; init; }

    /// <summary>The name of the bundle a new template is suspended into.</summary>
    public string TemplateName => $"{DeploymentId}-template";

    /// <summary>Warm the template up with a warm-up disc before suspending it.</summary>
    public bool WarmUp { get; init; } = true;

    /// <summary>Serial-console text that says the template's guest is up and may be suspended.</summary>
    public string? ReadyMarker { get; init; } = DefaultReadyMarker;
}
