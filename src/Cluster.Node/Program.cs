using Cluster.Api;
using Cluster.Domain.Hosting;
using Cluster.Kafka.Server; // Kafka listener (issue 9)

namespace Cluster.Node;

public static class Program
{
    public static int Main(string[] args)
    {
        var parsed = NodeOptionsParser.Parse(args, NodeOptionsParser.ReadProcessEnvironment());
        if (parsed.HelpRequested)
        {
            Console.Out.WriteLine(NodeOptionsParser.Usage);
            return 0;
        }
        if (parsed.Failed)
        {
            Console.Error.WriteLine($"error: {parsed.Error}");
            return 2;
        }
        foreach (var warning in parsed.Warnings) Console.Error.WriteLine($"warning: {warning}");
        var options = parsed.Options!;

        var settings = new BrokerNodeSettings
        {
            BrokerId = options.BrokerId,
            Hostname = options.Hostname,
            Port = options.Port,
            HttpPort = options.HttpPort,
            KafkaPort = options.KafkaPort,
            SeedNodes = options.SeedNodes.Select(s => s.ToString()).ToArray(),
            DataDir = options.DataDir,
            Storage = options.Storage == StorageBackend.Postgres ? StorageKind.Postgres : StorageKind.Sqlite,
            ConnectionString = options.ConnectionString,
            ConfigFile = options.ConfigFile,
        };

        var builder = CreateHostBuilder();
        builder.Logging.ClearProviders();
        // One line per event, text or JSON as cluster-log.logging.format says, like the actors' lines (issue 10).
        Cluster.Domain.StructuredLogging.LogFormat logFormat;
        try
        {
            logFormat = Cluster.Domain.StructuredLogging.LogSettings.FormatFrom(NodeConfig.Build(settings));
        }
        catch (Akka.Configuration.ConfigurationException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        builder.Logging.AddConsole(o => o.FormatterName = StructuredConsoleFormatter.FormatterName)
            .AddConsoleFormatter<StructuredConsoleFormatter, StructuredConsoleFormatterOptions>(o => o.Format = logFormat);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Cluster.Node", LogLevel.Information);
        builder.Logging.AddFilter("Cluster.Kafka", LogLevel.Information); // Kafka listener (issue 9)
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(60));
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Parse(ResolveBindAddress(options.Hostname)), options.HttpPort));

        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<BrokerSupervisor>();
        builder.Services.AddSingleton<IBrokerNodeAccessor>(sp => sp.GetRequiredService<BrokerSupervisor>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BrokerSupervisor>());
        builder.Services.AddClusterApi(NodeConfig.Build(settings));
        // ---- Kafka wire-protocol listener (issue 9): binds and advertises --hostname:--kafka-port; 0 = off.
        if (options.KafkaEnabled)
            builder.Services.AddKafkaListener(options.BrokerId, options.Hostname, options.KafkaPort, NodeConfig.Build(settings),
                sp => () => sp.GetRequiredService<BrokerSupervisor>().Current);
        // ---- end Kafka listener

        var app = builder.Build();
        app.MapClusterApi();
        try
        {
            app.Run();
            return 0;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"error: {e.GetBaseException().Message}");
            return 1;
        }
    }

    /// <summary>
    /// The web host, without the watcher a default host puts on its content root (the working
    /// directory, recursively) to reload appsettings.json when it changes: the node has no such
    /// file, and its data dir usually lies under the working directory, so every journal write woke
    /// the watcher (12 % of a node's CPU samples at full produce rate, docs/benchmarks.md).
    /// </summary>
    public static WebApplicationBuilder CreateHostBuilder() =>
        WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });

    private static string ResolveBindAddress(string hostname) =>
        System.Net.IPAddress.TryParse(hostname, out _)
            ? hostname
            : System.Net.Dns.GetHostAddresses(hostname).First(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork).ToString();
}
