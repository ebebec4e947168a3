using Cluster.Node;
using Xunit;

namespace Cluster.Node.Tests;

public sealed class NodeOptionsParserSpec : IDisposable
{
    private readonly string _cwd = Path.Combine(Path.GetTempPath(), "node-options-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, string?> _env = new(StringComparer.Ordinal);

    public NodeOptionsParserSpec() => Directory.CreateDirectory(_cwd);

    public void Dispose() => Directory.Delete(_cwd, recursive: true);

    private ParseResult Parse(params string[] args) => NodeOptionsParser.Parse(args, _env, _cwd);

    private NodeOptions Ok(params string[] args)
    {
        var result = Parse(args);
        Assert.True(result.Succeeded, $"expected options, got error: {result.Error}");
        Assert.False(result.Failed);
        Assert.False(result.HelpRequested);
        return result.Options;
    }

    private string Fails(params string[] args)
    {
        var result = Parse(args);
        Assert.True(result.Failed, $"expected an error, got {result.Options}");
        Assert.False(result.Succeeded);
        Assert.DoesNotContain('\n', result.Error);
        Assert.DoesNotContain('\r', result.Error);
        Assert.False(result.Error.StartsWith("error:", StringComparison.Ordinal), "the caller adds the prefix");
        return result.Error;
    }

    /// <summary><c>--name value</c> or <c>--name=value</c>.</summary>
    private static string[] Form(bool equalsForm, string option, string value) =>
        equalsForm ? [$"{option}={value}"] : [option, value];

    private string CreateFile(string relativePath, string text = "akka.loglevel = INFO")
    {
        var path = Path.Combine(_cwd, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    // ---- defaults -------------------------------------------------------------------

    [Fact]
    public void No_options_is_a_one_node_cluster_with_contract_defaults()
    {
        var o = Ok();

        Assert.Equal(1, o.BrokerId);
        Assert.Equal("127.0.0.1", o.Hostname);
        Assert.Equal(4053, o.Port);
        Assert.Equal(8080, o.HttpPort);
        Assert.Equal(9092, o.KafkaPort);
        Assert.True(o.KafkaEnabled);
        Assert.Equal([new SeedNode("127.0.0.1", 4053)], o.SeedNodes);
        Assert.Equal(Path.Combine(_cwd, "data", "broker-1"), o.DataDir);
        Assert.Equal(StorageBackend.Sqlite, o.Storage);
        Assert.Null(o.ConnectionString);
        Assert.Null(o.ConfigFile);
        Assert.Empty(Parse().Warnings);
    }

    [Fact]
    public void Default_data_dir_of_broker_3_is_data_broker_3_under_the_current_directory()
    {
        Assert.Equal(Path.Combine(_cwd, "data", "broker-3"), Ok("--broker-id", "3").DataDir);

        var result = NodeOptionsParser.Parse(["--broker-id", "3"], new Dictionary<string, string?>());
        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(Path.Combine(Directory.GetCurrentDirectory(), "data", "broker-3"), result.Options.DataDir);
        Assert.True(Path.IsPathFullyQualified(result.Options.DataDir));
    }

    [Fact]
    public void Default_seed_node_is_this_node_itself_with_its_hostname_and_port()
    {
        var o = Ok("--hostname", "node-a.local", "--port", "5000");

        Assert.Equal([new SeedNode("node-a.local", 5000)], o.SeedNodes);
        Assert.Equal(o.Self, Assert.Single(o.SeedNodes));
    }

    // ---- every option, both forms ---------------------------------------------------

    [Theory, InlineData(false), InlineData(true)]
    public void Broker_id(bool equalsForm)
    {
        Assert.Equal(7, Ok(Form(equalsForm, "--broker-id", "7")).BrokerId);
        Assert.Equal(0, Ok(Form(equalsForm, "--broker-id", "0")).BrokerId);
        Assert.Equal(int.MaxValue, Ok(Form(equalsForm, "--broker-id", "2147483647")).BrokerId);
    }

    [Theory, InlineData(false), InlineData(true)]
    public void Hostname(bool equalsForm)
    {
        Assert.Equal("10.0.0.5", Ok(Form(equalsForm, "--hostname", "10.0.0.5")).Hostname);
        Assert.Equal("broker_2.example.com", Ok(Form(equalsForm, "--hostname", "broker_2.example.com")).Hostname);
        Assert.Equal("::1", Ok(Form(equalsForm, "--hostname", "::1")).Hostname);
        Assert.Equal("::1", Ok(Form(equalsForm, "--hostname", "[::1]")).Hostname);
    }

    [Theory, InlineData(false), InlineData(true)]
    public void Port(bool equalsForm)
    {
        Assert.Equal(4100, Ok(Form(equalsForm, "--port", "4100")).Port);
        Assert.Equal(1, Ok(Form(equalsForm, "--port", "1")).Port);
        Assert.Equal(65535, Ok(Form(equalsForm, "--port", "65535")).Port);
    }

    [Theory, InlineData(false), InlineData(true)]
    public void Http_port(bool equalsForm) =>
        Assert.Equal(8081, Ok(Form(equalsForm, "--http-port", "8081")).HttpPort);

    [Theory, InlineData(false), InlineData(true)]
    public void Kafka_port(bool equalsForm)
    {
        Assert.Equal(19092, Ok(Form(equalsForm, "--kafka-port", "19092")).KafkaPort);

        var off = Ok(Form(equalsForm, "--kafka-port", "0"));
        Assert.Equal(0, off.KafkaPort);
        Assert.False(off.KafkaEnabled);
    }

    [Theory, InlineData(false), InlineData(true)]
    public void Seed_nodes(bool equalsForm)
    {
        var o = Ok(Form(equalsForm, "--seed-nodes", "10.0.0.1:4053,10.0.0.2:4054, node-c:4055"));

        Assert.Equal(
            [new SeedNode("10.0.0.1", 4053), new SeedNode("10.0.0.2", 4054), new SeedNode("node-c", 4055)],
            o.SeedNodes);
    }

    [Theory, InlineData(false), InlineData(true)]
    public void Data_dir(bool equalsForm)
    {
        var absolute = Path.Combine(_cwd, "elsewhere", "b1");
        Assert.Equal(absolute, Ok(Form(equalsForm, "--data-dir", absolute)).DataDir);
        Assert.Equal(Path.Combine(_cwd, "rel", "dir"), Ok(Form(equalsForm, "--data-dir", "rel/dir")).DataDir);
        Assert.Equal(Path.Combine(_cwd, "rel"), Ok(Form(equalsForm, "--data-dir", "./rel/")).DataDir);
    }

    [Theory, InlineData(false), InlineData(true)]
    public void Storage(bool equalsForm)
    {
        Assert.Equal(StorageBackend.Sqlite, Ok(Form(equalsForm, "--storage", "sqlite")).Storage);
        Assert.Equal(StorageBackend.Sqlite, Ok(Form(equalsForm, "--storage", "SQLite")).Storage);
        string[] postgres = [.. Form(equalsForm, "--storage", "postgres"), "--connection-string", "Host=db"];
        Assert.Equal(StorageBackend.Postgres, Ok(postgres).Storage);
    }

    [Theory, InlineData(false), InlineData(true)]
    public void Connection_string(bool equalsForm)
    {
        const string cs = "Host=localhost;Port=5432;Database=broker1;Username=app;Password=a=b";
        var o = Ok(["--storage", "postgres", .. Form(equalsForm, "--connection-string", cs)]);

        Assert.Equal(StorageBackend.Postgres, o.Storage);
        Assert.Equal(cs, o.ConnectionString);
    }

    [Theory, InlineData(false), InlineData(true)]
    public void Config(bool equalsForm)
    {
        var file = CreateFile("conf/extra.hocon");

        Assert.Equal(file, Ok(Form(equalsForm, "--config", file)).ConfigFile);
        Assert.Equal(file, Ok(Form(equalsForm, "--config", "conf/extra.hocon")).ConfigFile);
    }

    [Fact]
    public void All_options_together()
    {
        var config = CreateFile("node.conf");
        var o = Ok(
            "--broker-id", "2", "--hostname=10.1.1.2", "--port", "4054", "--http-port=8082",
            "--kafka-port", "9093", "--seed-nodes", "10.1.1.1:4053,10.1.1.2:4054", "--data-dir=/var/lib/b2",
            "--storage", "postgres", "--connection-string", "Host=db;Database=b2", "--config", config);

        Assert.Equal(2, o.BrokerId);
        Assert.Equal("10.1.1.2", o.Hostname);
        Assert.Equal(4054, o.Port);
        Assert.Equal(8082, o.HttpPort);
        Assert.Equal(9093, o.KafkaPort);
        Assert.Equal([new SeedNode("10.1.1.1", 4053), new SeedNode("10.1.1.2", 4054)], o.SeedNodes);
        Assert.Equal(Path.GetFullPath("/var/lib/b2"), o.DataDir);
        Assert.Equal(StorageBackend.Postgres, o.Storage);
        Assert.Equal("Host=db;Database=b2", o.ConnectionString);
        Assert.Equal(config, o.ConfigFile);
    }

    // ---- seed-node details ----------------------------------------------------------

    [Fact]
    public void Seed_nodes_accept_bracketed_ipv6_skip_empty_entries_and_drop_duplicates()
    {
        var o = Ok("--seed-nodes", "[::1]:4053,127.0.0.1:4054,,127.0.0.1:4054,");

        Assert.Equal([new SeedNode("::1", 4053), new SeedNode("127.0.0.1", 4054)], o.SeedNodes);
        Assert.Equal("[::1]:4053", o.SeedNodes[0].ToString());
        Assert.Equal("akka.tcp://cluster@127.0.0.1:4054", o.SeedNodes[1].ToAkkaAddress("cluster"));
    }

    [Theory]
    [InlineData("node-a", "'node-a' is not host:port")]
    [InlineData("node-a:", "'node-a:' is not host:port")]
    [InlineData(":4053", "':4053' is not host:port")]
    [InlineData("node-a:abc", "'node-a:abc' has no valid port")]
    [InlineData("node-a:0", "'node-a:0' has no valid port")]
    [InlineData("node-a:70000", "'node-a:70000' has no valid port")]
    [InlineData("127.0.0.1:4053,bad", "'bad' is not host:port")]
    [InlineData("::1:4053", "write an IPv6 address in brackets")]
    [InlineData("akka.tcp://cluster@10.0.0.1:4053", "is an address, not host:port")]
    [InlineData("bad host:4053", "'bad host:4053' is not a host name")]
    [InlineData("0.0.0.0:4053", "cannot be advertised")]
    [InlineData(",", "names no seed node")]
    public void Bad_seed_node_entry_is_an_error_naming_the_entry(string value, string expected)
    {
        var error = Fails("--seed-nodes", value);

        Assert.StartsWith("--seed-nodes: ", error);
        Assert.Contains(expected, error);
    }

    // ---- environment ----------------------------------------------------------------

    [Fact]
    public void Environment_variable_names_are_CLUSTER_and_the_option_in_upper_snake_case()
    {
        Assert.Equal(
            ["CLUSTER_BROKER_ID", "CLUSTER_HOSTNAME", "CLUSTER_PORT", "CLUSTER_HTTP_PORT", "CLUSTER_KAFKA_PORT",
             "CLUSTER_SEED_NODES", "CLUSTER_DATA_DIR", "CLUSTER_STORAGE", "CLUSTER_CONNECTION_STRING", "CLUSTER_CONFIG"],
            NodeOptionsParser.OptionNames.Select(NodeOptionsParser.EnvironmentVariableFor));
        Assert.Equal("CLUSTER_HTTP_PORT", NodeOptionsParser.EnvironmentVariableFor("--http-port"));
    }

    [Fact]
    public void Every_option_reads_its_environment_variable()
    {
        var config = CreateFile("env.conf");
        _env["CLUSTER_BROKER_ID"] = "3";
        _env["CLUSTER_HOSTNAME"] = "10.2.2.3";
        _env["CLUSTER_PORT"] = "4055";
        _env["CLUSTER_HTTP_PORT"] = "8083";
        _env["CLUSTER_KAFKA_PORT"] = "0";
        _env["CLUSTER_SEED_NODES"] = "10.2.2.1:4053,10.2.2.2:4054";
        _env["CLUSTER_DATA_DIR"] = "store";
        _env["CLUSTER_STORAGE"] = "postgres";
        _env["CLUSTER_CONNECTION_STRING"] = "Host=db;Database=b3";
        _env["CLUSTER_CONFIG"] = "env.conf";

        var o = Ok();

        Assert.Equal(3, o.BrokerId);
        Assert.Equal("10.2.2.3", o.Hostname);
        Assert.Equal(4055, o.Port);
        Assert.Equal(8083, o.HttpPort);
        Assert.Equal(0, o.KafkaPort);
        Assert.Equal([new SeedNode("10.2.2.1", 4053), new SeedNode("10.2.2.2", 4054)], o.SeedNodes);
        Assert.Equal(Path.Combine(_cwd, "store"), o.DataDir);
        Assert.Equal(StorageBackend.Postgres, o.Storage);
        Assert.Equal("Host=db;Database=b3", o.ConnectionString);
        Assert.Equal(config, o.ConfigFile);
    }

    [Fact]
    public void Command_line_wins_over_environment_option_by_option()
    {
        _env["CLUSTER_BROKER_ID"] = "3";
        _env["CLUSTER_HTTP_PORT"] = "8083";
        _env["CLUSTER_SEED_NODES"] = "10.2.2.1:4053";
        _env["CLUSTER_PORT"] = "not-even-a-number"; // never read: the command line gives --port

        var o = Ok("--broker-id", "5", "--port=4100");

        Assert.Equal(5, o.BrokerId);
        Assert.Equal(4100, o.Port);
        Assert.Equal(8083, o.HttpPort); // only in the environment
        Assert.Equal([new SeedNode("10.2.2.1", 4053)], o.SeedNodes);
        Assert.Equal(Path.Combine(_cwd, "data", "broker-5"), o.DataDir); // default follows the winning id
    }

    [Fact]
    public void Default_data_dir_follows_a_broker_id_from_the_environment()
    {
        _env["CLUSTER_BROKER_ID"] = "3";

        Assert.Equal(Path.Combine(_cwd, "data", "broker-3"), Ok().DataDir);
    }

    [Theory, InlineData(""), InlineData("   ")]
    public void Empty_environment_variable_counts_as_unset(string empty)
    {
        _env["CLUSTER_PORT"] = empty;
        _env["CLUSTER_SEED_NODES"] = empty;
        _env["CLUSTER_CONNECTION_STRING"] = null;

        var o = Ok();

        Assert.Equal(4053, o.Port);
        Assert.Equal([new SeedNode("127.0.0.1", 4053)], o.SeedNodes);
    }

    [Fact]
    public void Values_are_trimmed()
    {
        _env["CLUSTER_HTTP_PORT"] = " 8090\n";

        Assert.Equal(8090, Ok().HttpPort);
        Assert.Equal(4060, Ok("--port", " 4060 ").Port);
    }

    [Fact]
    public void Bad_environment_value_is_an_error_naming_the_variable()
    {
        _env["CLUSTER_HTTP_PORT"] = "80a";

        Assert.Equal("CLUSTER_HTTP_PORT: '80a' is not a valid port (expected an integer from 1 to 65535)", Fails());
    }

    [Fact]
    public void Same_option_on_the_command_line_and_in_the_environment_is_not_a_duplicate()
    {
        _env["CLUSTER_PORT"] = "4100";

        Assert.Equal(4200, Ok("--port", "4200").Port);
    }

    // ---- help -----------------------------------------------------------------------

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Help_is_a_request_not_an_error_even_next_to_bad_options(string flag)
    {
        foreach (var args in new[] { new[] { flag }, new[] { "--port", "nope", flag }, new[] { "--bogus", flag } })
        {
            var result = Parse(args);
            Assert.True(result.HelpRequested);
            Assert.False(result.Succeeded);
            Assert.False(result.Failed);
        }
    }

    [Fact]
    public void Usage_lists_every_option_and_its_environment_variable()
    {
        foreach (var name in NodeOptionsParser.OptionNames)
        {
            Assert.Contains("--" + name + " ", NodeOptionsParser.Usage);
            Assert.Contains(NodeOptionsParser.EnvironmentVariableFor(name), NodeOptionsParser.Usage);
        }
        Assert.Contains("--help", NodeOptionsParser.Usage);
    }

    // ---- errors: one clear line naming the option and the value ----------------------

    [Theory]
    [InlineData("--bogus", "unknown option '--bogus' (see --help)")]
    [InlineData("--bogus=1", "unknown option '--bogus' (see --help)")]
    [InlineData("-x", "unknown option '-x' (see --help)")]
    [InlineData("--http_port", "unknown option '--http_port' (did you mean --http-port?)")]
    [InlineData("--Broker-Id", "unknown option '--Broker-Id' (did you mean --broker-id?)")]
    [InlineData("-port", "unknown option '-port' (did you mean --port?)")]
    public void Unknown_option(string token, string expected) =>
        Assert.Equal(expected, Fails(token, "1"));

    [Fact]
    public void Missing_value_at_the_end()
    {
        Assert.Equal("--port needs a value (--port P)", Fails("--port"));
    }

    [Fact]
    public void Missing_value_before_the_next_option()
    {
        Assert.Equal("--hostname needs a value (--hostname H)", Fails("--hostname", "--port", "4053"));
    }

    [Theory]
    [InlineData("--data-dir=")]
    [InlineData("--data-dir=  ")]
    public void Missing_value_after_equals(string token)
    {
        Assert.Equal("--data-dir needs a value (--data-dir DIR)", Fails(token));
    }

    [Fact]
    public void Empty_separate_value_is_missing()
    {
        Assert.Equal("--seed-nodes needs a value (--seed-nodes a:p,b:p)", Fails("--seed-nodes", ""));
    }

    [Theory]
    [InlineData("--port", "abc")]
    [InlineData("--port", "0")]
    [InlineData("--port", "65536")]
    [InlineData("--port", "-1")]
    [InlineData("--port", "+80")]
    [InlineData("--port", "4053.0")]
    [InlineData("--port", "99999999999")]
    [InlineData("--http-port", "0")]
    [InlineData("--http-port", "http")]
    [InlineData("--http-port", "65536")]
    public void Bad_port(string option, string value)
    {
        Assert.Equal($"{option}: '{value}' is not a valid port (expected an integer from 1 to 65535)",
            Fails(option, value));
        Assert.Equal($"{option}: '{value}' is not a valid port (expected an integer from 1 to 65535)",
            Fails($"{option}={value}"));
    }

    [Theory]
    [InlineData("65536")]
    [InlineData("-1")]
    [InlineData("off")]
    public void Bad_kafka_port(string value) =>
        Assert.Equal(
            $"--kafka-port: '{value}' is not a valid port (expected an integer from 0 to 65535; 0 turns the Kafka listener off)",
            Fails("--kafka-port", value));

    [Theory]
    [InlineData("-1")]
    [InlineData("one")]
    [InlineData("2147483648")]
    [InlineData("1.5")]
    public void Bad_broker_id(string value) =>
        Assert.Equal($"--broker-id: '{value}' is not a valid broker id (expected an integer from 0 to 2147483647)",
            Fails("--broker-id", value));

    [Theory]
    [InlineData("bad host", "'bad host' is not a host name or IP address")]
    [InlineData("http://node-a", "'http://node-a' is not a host name or IP address")]
    [InlineData("-node", "'-node' is not a host name or IP address")]
    [InlineData("[node-a]", "'[node-a]' is not a host name or IP address")]
    [InlineData("0.0.0.0", "'0.0.0.0' cannot be advertised to other nodes; give an address they can reach")]
    [InlineData("::", "'::' cannot be advertised to other nodes; give an address they can reach")]
    public void Bad_hostname(string value, string expected) =>
        Assert.Equal("--hostname: " + expected, Fails("--hostname", value));

    [Theory]
    [InlineData("--port", "4053", "4054")]
    [InlineData("--storage", "sqlite", "sqlite")]
    public void Duplicate_option_in_any_mix_of_forms(string option, string first, string second)
    {
        var expected = $"{option} is given twice ('{first}' and '{second}'); give it once";
        Assert.Equal(expected, Fails(option, first, option, second));
        Assert.Equal(expected, Fails($"{option}={first}", option, second));
        Assert.Equal(expected, Fails(option, first, $"{option}={second}"));
    }

    [Theory]
    [InlineData("mysql")]
    [InlineData("sql")]
    public void Unknown_storage(string value) =>
        Assert.Equal($"--storage: '{value}' is not a storage backend (expected sqlite or postgres)",
            Fails("--storage", value));

    [Fact]
    public void Postgres_without_connection_string()
    {
        Assert.Equal(
            "--storage postgres needs a connection string: give --connection-string or CLUSTER_CONNECTION_STRING",
            Fails("--storage", "postgres"));

        _env["CLUSTER_STORAGE"] = "postgres";
        Assert.Equal(
            "CLUSTER_STORAGE=postgres needs a connection string: give --connection-string or CLUSTER_CONNECTION_STRING",
            Fails());
    }

    [Fact]
    public void Postgres_takes_its_connection_string_from_the_environment()
    {
        _env["CLUSTER_CONNECTION_STRING"] = "Host=db";

        Assert.Equal("Host=db", Ok("--storage", "postgres").ConnectionString);
    }

    [Fact]
    public void Connection_string_with_sqlite_is_ignored_with_a_warning()
    {
        var result = Parse("--connection-string", "Host=db");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(StorageBackend.Sqlite, result.Options.Storage);
        Assert.Null(result.Options.ConnectionString);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal(
            "--connection-string is ignored: storage is sqlite (the default); give --storage postgres to use PostgreSQL",
            warning);

        _env["CLUSTER_CONNECTION_STRING"] = "Host=db";
        Assert.Equal(
            "CLUSTER_CONNECTION_STRING is ignored: storage is sqlite (from --storage); give --storage postgres to use PostgreSQL",
            Assert.Single(Parse("--storage", "sqlite").Warnings));
    }

    [Fact]
    public void Config_file_that_does_not_exist()
    {
        var missing = Path.Combine(_cwd, "missing.conf");

        Assert.Equal($"--config: file '{missing}' does not exist", Fails("--config", missing));
        Assert.Equal($"--config: file 'missing.conf' ('{missing}') does not exist", Fails("--config=missing.conf"));

        _env["CLUSTER_CONFIG"] = missing;
        Assert.Equal($"CLUSTER_CONFIG: file '{missing}' does not exist", Fails());
    }

    [Fact]
    public void Config_that_is_a_directory()
    {
        Assert.Equal($"--config: '{_cwd}' is a directory, not a HOCON file", Fails("--config", _cwd));
    }

    [Fact]
    public void Data_dir_that_is_a_file()
    {
        var file = CreateFile("not-a-dir");

        Assert.Equal($"--data-dir: '{file}' is a file, not a directory", Fails("--data-dir", file));
    }

    [Theory]
    [InlineData("start")]
    [InlineData("-")]
    public void Positional_argument(string token)
    {
        Assert.Equal($"unexpected argument '{token}': options are written --name value or --name=value",
            Fails(token));
    }

    [Fact]
    public void Positional_argument_after_an_option_value()
    {
        Assert.Equal("unexpected argument '4054': options are written --name value or --name=value",
            Fails("--port", "4053", "4054"));
    }

    [Theory]
    [InlineData(new[] { "--port", "8080" }, "--port and --http-port (default) are both 8080; each listener needs its own port")]
    [InlineData(new[] { "--http-port", "4053" }, "--port (default) and --http-port are both 4053; each listener needs its own port")]
    [InlineData(new[] { "--port", "9092" }, "--port and --kafka-port (default) are both 9092; each listener needs its own port")]
    [InlineData(new[] { "--http-port", "9000", "--kafka-port", "9000" }, "--http-port and --kafka-port are both 9000; each listener needs its own port")]
    public void Colliding_ports(string[] args, string expected) =>
        Assert.Equal(expected, Fails(args));

    [Fact]
    public void Colliding_port_from_the_environment_names_the_variable()
    {
        _env["CLUSTER_HTTP_PORT"] = "4053";

        Assert.Equal("--port (default) and CLUSTER_HTTP_PORT are both 4053; each listener needs its own port", Fails());
    }

    [Fact]
    public void Kafka_port_0_never_collides()
    {
        var o = Ok("--kafka-port", "0", "--http-port", "9092");

        Assert.Equal(0, o.KafkaPort);
        Assert.Equal(9092, o.HttpPort);
    }

    [Fact]
    public void Error_values_stay_on_one_line_and_are_shortened()
    {
        Assert.Equal(@"--hostname: 'a\u000ab' is not a host name or IP address", Fails("--hostname", "a\nb"));

        var error = Fails("--storage", new string('x', 500));
        Assert.True(error.Length < 250, error);
        Assert.Contains("…'", error);
    }

    [Fact]
    public void First_error_in_argument_order_is_reported()
    {
        Assert.Equal("unknown option '--bogus' (see --help)", Fails("--bogus", "1", "--port", "x"));
    }

    // ---- the record -----------------------------------------------------------------

    [Fact]
    public void ToString_keeps_the_connection_string_out_of_logs()
    {
        var text = Ok("--storage", "postgres", "--connection-string", "Host=db;Password=s3cret").ToString();

        Assert.DoesNotContain("s3cret", text);
        Assert.Contains("ConnectionString = (set)", text);
        Assert.Contains("Port = 4053", text);
        Assert.Contains("SeedNodes = [127.0.0.1:4053]", text);
    }

    [Fact]
    public void Options_are_an_immutable_value_with_with_expressions()
    {
        var o = Ok();
        var other = o with { BrokerId = 9 };

        Assert.Equal(1, o.BrokerId);
        Assert.Equal(9, other.BrokerId);
        Assert.Equal(o, o with { });
    }
}
