using System.Buffers.Binary;
using System.Text.RegularExpressions;
using Cluster.Cli.Tests.Infrastructure;
using Cluster.EndToEnd.Tests.Infrastructure;

namespace Cluster.Cli.Tests.LiveView;

/// <summary>The live view (GET /) rendered by headless Chromium against a real node.</summary>
[Collection(CliNodeCollection.Name)]
public sealed class LiveViewBrowserTests(SingleNodeFixture fixture)
{
    [Fact]
    public async Task The_page_is_self_contained_html()
    {
        var page = await fixture.Http.GetAsync("/");
        Assert.Equal(200, page.Status);
        Assert.Equal("text/html", page.ContentType);
        Assert.Contains("<table>", page.Body);
        Assert.DoesNotMatch(@"<(script|link|img)[^>]+(src|href)=""(https?:)?//", page.Body); // nothing from elsewhere
        Assert.Contains("script-src 'sha256-", page.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task Chromium_renders_brokers_topics_and_partitions_with_leader_isr_and_high_watermark()
    {
        HeadlessChromium.EnsureInstalled();
        var topic = Topics.Unique("live-view");
        await fixture.Http.CreateTopicAsync(topic, partitions: 2);
        await fixture.Http.ProduceAsync(topic, new
        {
            records = Enumerable.Range(0, 5).Select(i => new { key = (string?)null, value = $"v{i}", partition = 1 }).ToArray(),
        });

        // Under load a leader may miss the describe's budget for offsets (shown as -1): load the page again, bounded.
        var dom = await HeadlessChromium.DumpDomAsync(fixture.Node.BaseAddress, virtualTimeBudgetMs: 10_000);
        for (var attempt = 1; attempt < 5 && (!dom.Contains($"data-topic=\"{topic}\"") ||
                                              TopicSection(dom, topic).Contains("data-high-watermark=\"-1\"")); attempt++)
            dom = await HeadlessChromium.DumpDomAsync(fixture.Node.BaseAddress, virtualTimeBudgetMs: 10_000);

        Assert.Contains("data-loaded=\"true\"", dom);
        Assert.Matches(@"<tr[^>]*data-broker=""1""[^>]*data-status=""up""", dom);
        Assert.Contains("Broker 1</th>", dom);
        Assert.Contains($"data-topic=\"{topic}\"", dom);

        var section = TopicSection(dom, topic);
        var p0 = Row(section, 0);
        var p1 = Row(section, 1);
        Assert.Equal("1", Attribute(p0, "data-leader"));
        Assert.Equal("0", Attribute(p0, "data-high-watermark"));
        Assert.Equal("1", Attribute(p1, "data-leader"));
        Assert.Equal("5", Attribute(p1, "data-high-watermark"));
        Assert.Equal("0", Attribute(p1, "data-log-start-offset"));
        Assert.Equal("1", Attribute(p1, "data-isr"));
        Assert.Contains("In sync", section);
        Assert.DoesNotContain("lagging\"", section);

        var png = Path.Combine(Path.GetTempPath(), $"cluster-live-view-{Guid.NewGuid():N}.png");
        try
        {
            await HeadlessChromium.ScreenshotAsync(fixture.Node.BaseAddress, png, virtualTimeBudgetMs: 10_000);
            AssertPng(png, 1280, 900, minBytes: 20_000);
            // Kept beside the test binaries for a person to look at.
            var keep = Path.Combine(AppContext.BaseDirectory, "screenshots");
            Directory.CreateDirectory(keep);
            File.Copy(png, Path.Combine(keep, "live-view.png"), overwrite: true);
        }
        finally
        {
            File.Delete(png);
        }
    }

    public static void AssertPng(string path, int width, int height, int minBytes)
    {
        Assert.True(File.Exists(path), $"no screenshot at {path}");
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length >= minBytes, $"the screenshot has only {bytes.Length} bytes");
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], bytes[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        Assert.Equal(width, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
        Assert.Equal(height, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }

    public static string TopicSection(string dom, string topic)
    {
        var match = Regex.Match(dom, $@"<section[^>]*data-topic=""{Regex.Escape(topic)}""[^>]*>.*?</section>", RegexOptions.Singleline);
        Assert.True(match.Success, $"no section for {topic} in\n{dom}");
        return match.Value;
    }

    public static string Row(string section, int partition)
    {
        var match = Regex.Match(section, $@"<tr[^>]*data-partition=""{partition}""[^>]*>");
        Assert.True(match.Success, $"no row for partition {partition} in\n{section}");
        return match.Value;
    }

    public static string Attribute(string tag, string name)
    {
        var match = Regex.Match(tag, $@"\b{Regex.Escape(name)}=""([^""]*)""");
        Assert.True(match.Success, $"no {name} in {tag}");
        return match.Groups[1].Value;
    }
}
