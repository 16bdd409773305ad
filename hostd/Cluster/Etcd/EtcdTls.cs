namespace Jumpstart.Hostd.Cluster.Etcd;

/// <summary>
/// The files of the TLS connection to etcd: the CA that issued the members' certificates (the cluster's CA) and this
/// host's client certificate and key. By default the cluster directory's <c>ca.crt</c>, <c>host.crt</c> and
/// <c>host.key</c>: the etcd members run with certificates of the same CA and require client certificates.
/// </summary>
public sealed record EtcdTls(string CaCertificate, string ClientCertificate, string ClientKey);
