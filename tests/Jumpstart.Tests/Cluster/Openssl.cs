using System.Security.Cryptography;
using System.Text;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Support;

namespace Jumpstart.Tests.Cluster;

/// <summary>
/// <c>openssl</c> as the cluster tests' independent TLS and X.509 peer: it computes the CA pin, verifies certificates
/// and revocation lists, and connects to the cluster port as a client that shares no code with hostd.
/// </summary>
public static class Openssl
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    /// <summary>Runs openssl with <paramref name="arguments"/> (bounded); does not fail on a non-zero exit.</summary>
    public static Task<ProcessResult> RunAsync(params string[] arguments)
        => ProcessRunner.RunAsync(Requirements.RequireTool("openssl"), arguments, new ProcessRunOptions { Timeout = s_timeout });

    /// <summary>
    /// The kubeadm pin of a CA computed by openssl alone: the DER SubjectPublicKeyInfo (<c>openssl x509 -pubkey |
    /// openssl pkey -pubin -outform der</c>) hashed by <c>openssl dgst -sha256</c>.
    /// </summary>
    public static async Task<string> PinAsync(string caCertificate, string scratchDirectory)
    {
        var publicKeyPem = Path.Combine(scratchDirectory, "ca-pub.pem");
        var publicKeyDer = Path.Combine(scratchDirectory, "ca-pub.der");
        await Requirements.RunToolAsync("openssl", ["x509", "-in", caCertificate, "-pubkey", "-noout", "-out", publicKeyPem]);
        await Requirements.RunToolAsync("openssl", ["pkey", "-pubin", "-in", publicKeyPem, "-outform", "der", "-out", publicKeyDer]);
        var digest = await Requirements.RunToolAsync("openssl", ["dgst", "-sha256", "-r", publicKeyDer]);
        return "sha256:" + digest.StandardOutput.Split(' ')[0].Trim();
    }

    /// <summary>
    /// Connects from the namespace of <paramref name="namespaceExecPrefix"/> to <paramref name="endPoint"/> with <c>openssl s_client</c>,
    /// TLS 1.3 (or <paramref name="tlsVersion"/>), ALPN <paramref name="alpn"/>, presenting <paramref name="certificate"/>
    /// and <paramref name="key"/> when given; returns what the server sent (stdout) and the exit code.
    /// </summary>
    public static Task<ProcessResult> ConnectAsync(
        IReadOnlyList<string> namespaceExecPrefix,
        string endPoint,
        string alpn,
        string caFile,
        string? certificate = null,
        string? key = null,
        string tlsVersion = "-tls1_3",
        byte[]? input = null)
    {
        var arguments = new List<string>(namespaceExecPrefix) { Requirements.RequireTool("openssl"), "s_client", "-connect", endPoint, tlsVersion, "-alpn", alpn, "-CAfile", caFile, "-verify_return_error", "-quiet" };
        if (certificate is not null)
        {
            arguments.AddRange(["-cert", certificate, "-key", key!]);
        }

        return ProcessRunner.RunAsync(Requirements.RequireTool("ip"), arguments, new ProcessRunOptions { Timeout = s_timeout, StandardInput = input ?? Array.Empty<byte>() });
    }

    /// <summary>A self-signed P-256 CA and a client certificate naming <paramref name="name"/> signed by it, made by openssl (another cluster's, as far as hostd knows).</summary>
    public static async Task<(string Certificate, string Key)> ForeignCertificateAsync(string directory, string name)
    {
        var caKey = Path.Combine(directory, "foreign-ca.key");
        var caCert = Path.Combine(directory, "foreign-ca.crt");
        var key = Path.Combine(directory, "foreign.key");
        var csr = Path.Combine(directory, "foreign.csr");
        var cert = Path.Combine(directory, "foreign.crt");
        var extensions = Path.Combine(directory, "foreign.ext");
        await File.WriteAllTextAsync(extensions, $"subjectAltName=DNS:{name}\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=critical,CA:FALSE\n");
        await Requirements.RunToolAsync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", caKey, "-out", caCert, "-subj", "/CN=Jumpstart cluster CA (another)", "-days", "2", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
        await Requirements.RunToolAsync("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", csr, "-subj", $"/CN={name}"]);
        await Requirements.RunToolAsync("openssl", ["x509", "-req", "-in", csr, "-CA", caCert, "-CAkey", caKey, "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", extensions]);
        return (cert, key);
    }

    /// <summary>The SHA-256 of a file, hex (to show a file did not change).</summary>
    public static string FileDigest(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>The ping line a member writes once both certificates were accepted.</summary>
    public static string PingLine(string server, string client) => $"jumpstart {server} sees {client}";

    public static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);
}
