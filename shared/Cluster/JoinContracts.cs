namespace Jumpstart.Shared.Cluster;

/// <summary>The answer to <c>join.ca</c>: the CA certificate (PEM) the joiner checks against its pin.</summary>
public sealed record JoinCaResult
{
    public required string CaCertificate { get; init; }
}

/// <summary><c>join.request</c>: a token and a PKCS#10 request for this host's certificate.</summary>
public sealed record JoinSigningRequest
{
    /// <summary>Largest DER certificate signing request accepted.</summary>
    public const int MaxCsrBytes = 8 * 1024;

    public required string Token { get; init; }

    /// <summary>The host's name; the certificate's subject alternative name.</summary>
    public required string Name { get; init; }

    /// <summary>The DER PKCS#10 request (base64 on the wire); its key never leaves the joiner.</summary>
    public required byte[] Csr { get; init; }

    /// <summary>The joiner's cluster port.</summary>
    public required int Port { get; init; }

    /// <summary>Where other hosts reach the joiner; null: the address the manager sees it connect from.</summary>
    public string? AdvertiseAddress { get; init; }
}

/// <summary>The answer to <c>join.request</c>: the signed certificate and what the new host must know.</summary>
public sealed record JoinGrant
{
    /// <summary>The host's certificate (PEM), signed by the cluster's CA.</summary>
    public required string Certificate { get; init; }

    /// <summary>The current revocation list (PEM X.509 CRL, signed by the CA).</summary>
    public required string Crl { get; init; }

    /// <summary>The manager's name (the name in its certificate).</summary>
    public required string ManagerName { get; init; }
}
