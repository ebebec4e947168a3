using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text;
using Cluster.Domain.Groups;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Domain.Serialization;
using Xunit;

namespace Cluster.Domain.Tests.Groups;

public sealed class OffsetsTopicSpec
{
    private static readonly GroupMember Alice = new("alice", ImmutableArray.Create("orders", "payments"), 10_000, "sticky",
        ImmutableArray.Create(new TopicPartition("orders", 0), new TopicPartition("payments", 3)), 0, false);

    private static OffsetsCommitted Offsets(string topic, params (int Partition, long Offset)[] offsets) => new(offsets
        .Select(o => new CommittedOffset(new TopicPartition(topic, o.Partition), new OffsetAndMetadata(o.Offset, $"m{o.Offset}", 1234)))
        .ToImmutableArray());

    [Fact]
    public void Keys_are_kafkas_offset_commit_and_group_metadata_keys()
    {
        var key = OffsetsTopic.OffsetKey("g1", new TopicPartition("t", 5));
        Assert.Equal(new byte[] { 0, 1, 0, 2, (byte)'g', (byte)'1', 0, 1, (byte)'t', 0, 0, 0, 5 }, key);
        Assert.Equal(new byte[] { 0, 2, 0, 2, (byte)'g', (byte)'1' }, OffsetsTopic.GroupMetadataKey("g1"));
        Assert.Equal("g1", OffsetsTopic.GroupOf(key));
        Assert.True(OffsetsTopic.BelongsTo(key, "g1"u8));
        Assert.False(OffsetsTopic.BelongsTo(key, "g"u8));
        Assert.False(OffsetsTopic.BelongsTo(OffsetsTopic.OffsetKey("g12", new TopicPartition("t", 5)), "g1"u8));
    }

    [Fact]
    public void The_partition_of_a_group_is_murmur2_of_its_id()
    {
        Assert.Equal(DefaultPartitioner.PartitionForKey(Encoding.UTF8.GetBytes("orders-app"), 12), OffsetsTopic.PartitionFor("orders-app", 12));
        var spread = Enumerable.Range(0, 1000).Select(i => OffsetsTopic.PartitionFor($"group-{i}", 12)).Distinct().Count();
        Assert.Equal(12, spread);
    }

    [Fact]
    public void Durable_events_read_back_from_a_batch_as_they_were_written()
    {
        var events = new IDurableGroupEvent[]
        {
            Offsets("orders", (0, 10), (1, 20)),
            new GenerationStarted(7, "sticky", ImmutableArray.Create(Alice), 999),
            new GenerationStarted(8, null, ImmutableArray<GroupMember>.Empty, 999),
        };
        var batch = OffsetsTopic.BuildBatch("g", events, 5555);
        var replay = new GroupLogReplay("g");
        replay.Add(new RecordBatch(batch), 0);

        Assert.Equal(4, replay.Events.Count); // one record per offset, one per generation
        var first = Assert.IsType<OffsetsCommitted>(replay.Events[0]).Offsets.Single();
        Assert.Equal(new CommittedOffset(new TopicPartition("orders", 0), new OffsetAndMetadata(10, "m10", 1234)), first);
        var generation = Assert.IsType<GenerationStarted>(replay.Events[2]);
        Assert.Equal(7, generation.Generation);
        Assert.Equal("sticky", generation.Protocol);
        var member = generation.Members.Single();
        Assert.Equal(Alice.MemberId, member.MemberId);
        Assert.Equal(Alice.Topics.ToArray(), member.Topics.ToArray());
        Assert.Equal(Alice.Assignment.ToArray(), member.Assignment.ToArray());
        Assert.Equal(Alice.SessionTimeoutMs, member.SessionTimeoutMs);
        Assert.Equal(Alice.Assignor, member.Assignor);
        Assert.Null(Assert.IsType<GenerationStarted>(replay.Events[3]).Protocol);
    }

    [Fact]
    public void Replay_skips_other_groups_records_before_the_start_offset_and_unreadable_values()
    {
        var replay = new GroupLogReplay("g");
        replay.Add(new RecordBatch(OffsetsTopic.BuildBatch("other", new[] { Offsets("t", (0, 1)) }, 1)), 0);
        var mine = OffsetsTopic.BuildBatch("g", new[] { Offsets("t", (0, 1), (1, 2), (2, 3)) }, 1);
        RecordBatch.SetBaseOffset(mine, 10);
        replay.Add(new RecordBatch(mine), 11);
        using (var builder = new RecordBatchBuilder())
            replay.Add(new RecordBatch(builder.Append(1, OffsetsTopic.OffsetKey("g", new TopicPartition("t", 9)), new byte[] { 99 }).Build()), 0);

        Assert.Equal(new long[] { 2, 3 }, replay.Events.Cast<OffsetsCommitted>().Select(e => e.Offsets.Single().Offset.Offset));
        Assert.Equal(1, replay.UnreadableRecords);
    }

    [Fact]
    public void Transactional_offsets_count_only_after_their_commit_marker()
    {
        var replay = new GroupLogReplay("g");
        replay.Add(new RecordBatch(OffsetsTopic.BuildBatch("g", new[] { Offsets("t", (0, 5)) }, 1, new TransactionalWrite(7, 0, 0))), 0);
        replay.Add(new RecordBatch(OffsetsTopic.BuildBatch("g", new[] { Offsets("t", (1, 6)) }, 1, new TransactionalWrite(8, 0, 0))), 0);
        Assert.Empty(replay.Events);
        replay.Add(new RecordBatch(RecordBatchBuilder.BuildControlBatch(7, 0, commit: true, coordinatorEpoch: 0, timestampMs: 2)), 0);
        replay.Add(new RecordBatch(RecordBatchBuilder.BuildControlBatch(8, 0, commit: false, coordinatorEpoch: 0, timestampMs: 2)), 0);
        var committed = Assert.IsType<OffsetsCommitted>(Assert.Single(replay.Events));
        Assert.Equal(5, committed.Offsets.Single().Offset.Offset);
    }

    [Fact]
    public void Tombstones_read_back_as_removals()
    {
        var batch = OffsetsTopic.BuildBatch("g", new IDurableGroupEvent[]
        {
            new OffsetsRemoved(ImmutableArray.Create(new TopicPartition("t", 1))),
            new GroupMetadataRemoved(),
        }, 1);
        var replay = new GroupLogReplay("g");
        replay.Add(new RecordBatch(batch), 0);
        Assert.IsType<OffsetsRemoved>(replay.Events[0]);
        Assert.IsType<GroupMetadataRemoved>(replay.Events[1]);
    }

    [Fact]
    public void Every_group_message_survives_its_codec()
    {
        var registry = new CodecRegistry();
        GroupCodecs.Register(registry);
        var assignment = new[] { new TopicPartition("orders", 1), new TopicPartition("ünïcödé", 2) };
        var offsets = new[] { new CommittedOffset(new TopicPartition("orders", 1), new OffsetAndMetadata(5, "meta", 77)) };
        object[] messages =
        {
            new JoinGroup("g", null, "new-1", new[] { "a", "b" }, 10_000, null),
            new JoinGroup("g", "m", "new-1", new[] { "a" }, 6_000, "sticky"),
            new JoinGroupResult(ErrorCode.None, null, "m", 3, assignment),
            JoinGroupResult.Failed(ErrorCode.RebalanceInProgress, "wait", "m"),
            new GroupHeartbeat("g", "m", 4),
            new GroupHeartbeat("g", "m", null),
            new HeartbeatResult(ErrorCode.None, null, 4, assignment),
            new LeaveGroup("g", "m"),
            new GroupAck(ErrorCode.IllegalGeneration, "old"),
            new CommitOffsets("g", "m", 4, new[] { new OffsetCommit("orders", 1, 9, null), new OffsetCommit("x", 0, 0, "md") }),
            new CommitOffsets("g", null, null, Array.Empty<OffsetCommit>()),
            new FetchOffsets("g", null),
            new FetchOffsets("g", "orders"),
            new FetchOffsetsResult(ErrorCode.None, null, offsets),
            new DescribeGroup("g"),
            new GroupDescription(ErrorCode.None, null, "g", GroupPhase.PreparingRebalance, 4, "range",
                new[] { new MemberDescription("m", new[] { "orders" }, 10_000, assignment) }, offsets, 2),
        };
        foreach (var message in messages)
        {
            var writer = new WireWriter();
            registry.Write(writer, message);
            var back = registry.Read(registry.ManifestOf(message), new WireReader(writer.ToArray()));
            Assert.Equal(Json(message), Json(back));
            Assert.StartsWith("G.", registry.ManifestOf(message));
        }
    }

    private static string Json(object o) => System.Text.Json.JsonSerializer.Serialize(o, o.GetType());
}
