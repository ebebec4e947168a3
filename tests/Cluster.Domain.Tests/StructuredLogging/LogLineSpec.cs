using System.Text.Json;
using Akka.Event;
using Cluster.Domain.StructuredLogging;
using Xunit;

namespace Cluster.Domain.Tests.StructuredLogging;

/// <summary>
/// Akka's semantic log events (template values and the adapter's context) become one line of
/// text with key=value fields, or one JSON object, with the replication fields under stable names.
/// </summary>
public sealed class LogLineSpec : Akka.TestKit.Xunit2.TestKit
{
    public LogLineSpec() : base("akka.loglevel = INFO") { }

    private LogEntry LeaderChange()
    {
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe.Ref, typeof(Info));
        Logging.GetLogger(Sys, "replica")
            .WithContext("BrokerId", 2)
            .WithContext("TopicPartition", "orders-0")
            .Info("Leader change: this broker leads in leader epoch {LeaderEpoch} (was {PreviousRole}), ISR [{Isr}]", 7, "Follower", "2,3");
        var logged = probe.FishForMessage<Info>(e => e.Message.ToString()!.StartsWith("Leader change", StringComparison.Ordinal));
        return StructuredLogger.ToEntry(logged);
    }

    [Fact]
    public void Text_is_one_line_with_the_context_then_the_template_values_as_key_value_fields()
    {
        var line = LogLine.Text(LeaderChange());

        Assert.DoesNotContain('\n', line);
        Assert.Matches(@"^\d\d:\d\d:\d\d\.\d{3} INFO  replica.*: Leader change: this broker leads in leader epoch 7 \(was Follower\), ISR \[2,3\] ", line);
        Assert.EndsWith(" brokerId=2 topicPartition=orders-0 leaderEpoch=7 previousRole=Follower isr=2,3", line);
    }

    [Fact]
    public void Json_is_one_object_per_line_with_typed_fields()
    {
        var line = LogLine.Json(LeaderChange());

        Assert.DoesNotContain('\n', line);
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        Assert.Equal("info", root.GetProperty("level").GetString());
        Assert.Equal(2, root.GetProperty("brokerId").GetInt32());
        Assert.Equal("orders-0", root.GetProperty("topicPartition").GetString());
        Assert.Equal(7, root.GetProperty("leaderEpoch").GetInt32());
        Assert.Equal("Leader change: this broker leads in leader epoch 7 (was Follower), ISR [2,3]", root.GetProperty("message").GetString());
        Assert.Equal("Leader change: this broker leads in leader epoch {LeaderEpoch} (was {PreviousRole}), ISR [{Isr}]",
            root.GetProperty("template").GetString());
        Assert.EndsWith("Z", root.GetProperty("time").GetString());
    }

    [Fact]
    public void Positional_placeholders_are_not_fields_and_awkward_values_are_quoted()
    {
        var entry = new LogEntry(new DateTime(2026, 11, 25, 13, 2, 1, 123, DateTimeKind.Utc), LogSeverity.Warning, "Controller",
            "two\nlines", [new("0", 1), new("Reason", "a \"quoted\" reason"), new("Empty", ""), new("Brokers", new[] { 1, 2 })],
            Exception: new InvalidOperationException("boom"));

        Assert.Equal("13:02:01.123 WARN  Controller: two lines reason=\"a \\\"quoted\\\" reason\" empty=\"\" brokers=1,2 exception=\"InvalidOperationException: boom\"",
            LogLine.Text(entry));

        using var json = JsonDocument.Parse(LogLine.Json(entry));
        Assert.False(json.RootElement.TryGetProperty("0", out _));
        Assert.Equal("[1,2]", json.RootElement.GetProperty("brokers").GetRawText());
        Assert.Contains("boom", json.RootElement.GetProperty("exception").GetString());
    }

    [Fact]
    public void The_format_setting_is_text_by_default_and_refuses_anything_but_text_or_json()
    {
        Assert.Equal(LogFormat.Text, LogSettings.FormatFrom(Akka.Configuration.ConfigurationFactory.Empty));
        Assert.Equal(LogFormat.Json, LogSettings.FormatFrom(Akka.Configuration.ConfigurationFactory.ParseString("cluster-log.logging.format = json")));
        Assert.Throws<Akka.Configuration.ConfigurationException>(() =>
            LogSettings.FormatFrom(Akka.Configuration.ConfigurationFactory.ParseString("cluster-log.logging.format = xml")));
    }
}
