using System.Text.Json;
using Cluster.Domain.Groups;
using Cluster.Domain.Log;

namespace Cluster.Api.Groups;

/// <summary>The log end of a committed partition, for lag; null when it could not be read (the topic was deleted...).</summary>
public sealed record PartitionEnd(TopicPartition Partition, long? LogEndOffset);

/// <summary>The consumer group answers of the contract, written with Utf8JsonWriter.</summary>
public static class GroupResponseWriter
{
    public static void WriteJoin(Utf8JsonWriter w, JoinGroupResult result)
    {
        w.WriteStartObject();
        w.WriteString("memberId", result.MemberId);
        w.WriteNumber("generation", result.Generation);
        WriteAssignment(w, result.Assignment);
        w.WriteEndObject();
    }

    public static void WriteHeartbeat(Utf8JsonWriter w, HeartbeatResult result)
    {
        w.WriteStartObject();
        w.WriteNumber("generation", result.Generation);
        WriteAssignment(w, result.Assignment);
        w.WriteEndObject();
    }

    public static void WriteOffsets(Utf8JsonWriter w, IEnumerable<CommittedOffset> offsets)
    {
        w.WriteStartObject();
        w.WriteStartArray("offsets");
        foreach (var o in offsets)
        {
            w.WriteStartObject();
            w.WriteString("topic", o.Partition.Topic);
            w.WriteNumber("partition", o.Partition.Partition);
            w.WriteNumber("offset", o.Offset.Offset);
            w.WriteString("metadata", o.Offset.Metadata);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>
    /// The contract's describe, plus <c>protocol</c> (the generation's assignor),
    /// <c>coordinator</c> (broker id of the node running the group's coordinator) and each
    /// member's <c>topics</c> and <c>sessionTimeoutMs</c>. <c>logEndOffset</c> is the high
    /// watermark (the end a consumer can read to, as Kafka's lag uses); -1 with lag -1 when
    /// the partition cannot be read.
    /// </summary>
    public static void WriteDescription(Utf8JsonWriter w, GroupDescription group, IReadOnlyDictionary<TopicPartition, long?> ends)
    {
        w.WriteStartObject();
        w.WriteString("group", group.GroupId);
        w.WriteString("state", group.Phase.ToString());
        w.WriteNumber("generation", group.Generation);
        if (group.Protocol is null) w.WriteNull("protocol");
        else w.WriteString("protocol", group.Protocol);
        w.WriteNumber("coordinator", group.CoordinatorBrokerId);
        w.WriteStartArray("members");
        foreach (var m in group.Members)
        {
            w.WriteStartObject();
            w.WriteString("memberId", m.MemberId);
            w.WriteStartArray("topics");
            foreach (var t in m.Topics) w.WriteStringValue(t);
            w.WriteEndArray();
            w.WriteNumber("sessionTimeoutMs", m.SessionTimeoutMs);
            WriteAssignment(w, m.Assignment);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("offsets");
        foreach (var o in group.Offsets)
        {
            var end = ends.GetValueOrDefault(o.Partition);
            w.WriteStartObject();
            w.WriteString("topic", o.Partition.Topic);
            w.WriteNumber("partition", o.Partition.Partition);
            w.WriteNumber("offset", o.Offset.Offset);
            w.WriteString("metadata", o.Offset.Metadata);
            w.WriteNumber("logEndOffset", end ?? -1);
            w.WriteNumber("lag", end is { } e ? e - o.Offset.Offset : -1);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static void WriteGroupList(Utf8JsonWriter w, IEnumerable<string> groups)
    {
        w.WriteStartObject();
        w.WriteStartArray("groups");
        foreach (var g in groups) w.WriteStringValue(g);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteAssignment(Utf8JsonWriter w, IEnumerable<TopicPartition> assignment)
    {
        w.WriteStartArray("assignment");
        foreach (var tp in assignment)
        {
            w.WriteStartObject();
            w.WriteString("topic", tp.Topic);
            w.WriteNumber("partition", tp.Partition);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}
