using System.Net;
using Jumpstart.Hostd.Metrics;
using Jumpstart.Tests.Nbd;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit;

namespace Jumpstart.Tests.Metrics;

/// <summary>The metrics endpoint's settings and its Kestrel server, in-process.</summary>
[Trait(Capabilities.Trait, Capabilities.Metrics)]
[Collection(MetricsCollection.Name)]
public sealed class MetricsServerTests
{
    [Theory]
    [InlineData(false, "not an address", false, true)]
    [InlineData(true, MetricsOptions.DefaultAddress, false, true)]
    [InlineData(true, "[::1]:9464", false, true)]
    [InlineData(true, "0.0.0.0:9464", false, false)]
    [InlineData(true, "0.0.0.0:9464", true, true)]
    [InlineData(true, "127.0.0.1", false, false)]
    [InlineData(true, "127.0.0.1:0", false, false)]
    [InlineData(true, "localhost:9464", false, false)]
    public void Validation_AcceptsOnlyALoopbackAddressAndPort_UnlessNonLoopbackIsAllowed(bool enabled, string address, bool allowNonLoopback, bool valid)
    {
        var result = new MetricsOptionsValidator().Validate(null, new MetricsOptions { Enabled = enabled, Address = address, AllowNonLoopback = allowNonLoopback });

        Assert.Equal(valid, result.Succeeded);
    }

    [Fact]
    public async Task WhenDisabled_NothingListens()
    {
        await using var server = new MetricsServer(Options.Create(new MetricsOptions()), new ServiceCollection().BuildServiceProvider(), NullLoggerFactory.Instance);

        await server.StartAsync(CancellationToken.None);

        Assert.Null(server.EndPoint);
    }

    [Fact]
    public async Task WhenEnabled_ServesTheTextFormatOnMetrics_AndNothingElse()
    {
        var address = $"127.0.0.1:{NbdPeerServer.FreePort()}";
        await using var server = new MetricsServer(
            Options.Create(new MetricsOptions { Enabled = true, Address = address }), new ServiceCollection().BuildServiceProvider(), NullLoggerFactory.Instance);
        await server.StartAsync(CancellationToken.None);
        HostdMetrics.StoreFailed(HostdMetrics.StorePut); // The exporter shows a counter once it has a value.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        using var metrics = await http.GetAsync(new Uri($"http://{address}{MetricsOptions.Path}"));
        using var other = await http.GetAsync(new Uri($"http://{address}/"));
        var text = await metrics.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Equal("text/plain", metrics.Content.Headers.ContentType?.MediaType);
        Assert.Contains($"# TYPE {HostdMetrics.StoreFailuresName} counter", text, StringComparison.Ordinal);
        Assert.True(MetricsText.Sum(text, HostdMetrics.StoreFailuresName, (HostdMetrics.OperationLabel, HostdMetrics.StorePut)) >= 1, text);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }
}
