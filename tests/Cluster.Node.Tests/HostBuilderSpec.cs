using Microsoft.Extensions.Configuration;
using Xunit;

namespace Cluster.Node.Tests;

public sealed class HostBuilderSpec
{
    [Fact]
    public void The_host_watches_no_configuration_file()
    {
        // A reloading file source watches the whole content root, the data dir with it.
        var builder = Program.CreateHostBuilder();
        Assert.DoesNotContain(builder.Configuration.Sources.OfType<FileConfigurationSource>(), source => source.ReloadOnChange);
    }
}
