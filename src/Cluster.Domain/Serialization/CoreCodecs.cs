using System.Collections.Immutable;
using Cluster.Domain.Controller;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Domain.Replication;

namespace Cluster.Domain.Serialization;

/// <summary>
/// Wire and journal formats of the log, replication and controller messages. A batch
/// travels and is stored as its own RecordBatch bytes: serializing it is one copy.
/// </summary>
internal static class CoreCodecs
{
    public static void Register(CodecRegistry r)
    {
        // Journal events and snapshots: their manifests are stored, never change them.
        r.Add<BatchAppended>("L.Batch1", (w, e) => w.Raw(e.Batch), rd => new BatchAppended(rd.RawToEnd()));
        r.Add<LeaderEpochStarted>("L.Epoch1", (w, e) => { w.VarInt(e.Epoch); w.VarInt(e.StartOffset); },
            rd => new LeaderEpochStarted(rd.VarInt32(), rd.VarInt()));
        r.Add<LogTruncated>("L.Trunc1", (w, e) => w.VarInt(e.Offset), rd => new LogTruncated(rd.VarInt()));
        r.Add<LogStartOffsetAdvanced>("L.Start1", (w, e) => { w.VarInt(e.Offset); w.VarInt(e.SplitSeqNr); w.VarInt(e.SplitBytes); },
            rd => new LogStartOffsetAdvanced(rd.VarInt(), rd.VarInt(), rd.VarInt()));
        r.Add<PartitionSnapshot>("L.Snap1", WriteSnapshot, ReadSnapshot);

        // Replica messages.
        r.Add<BecomeLeaderOrFollower>("R.Role1", (w, m) => { Partition(w, m.Partition); State(w, m.State); Config(w, m.Config); },
            rd => new BecomeLeaderOrFollower(Partition(rd), State(rd), Config(rd)));
        r.Add<StopReplica>("R.Stop1", (w, m) => { Partition(w, m.Partition); w.Bool(m.DeleteLog); },
            rd => new StopReplica(Partition(rd), rd.Bool()));
        r.Add<ProduceRequest>("R.Produce2", (w, m) =>
            {
                Partition(w, m.Partition);
                w.Int16((short)m.Acks);
                w.VarInt(m.TimeoutMs);
                w.String(m.TransactionalId);
                w.Raw(m.Batch);
            },
            rd =>
            {
                var partition = Partition(rd);
                var acks = (Acks)rd.Int16();
                var timeout = rd.VarInt32();
                var transactionalId = rd.String();
                return new ProduceRequest(partition, rd.RawToEnd(), acks, timeout, transactionalId);
            });
        r.Add<ProduceResult>("R.ProduceR1", (w, m) => { w.Int16((short)m.Error); w.VarInt(m.BaseOffset); w.String(m.Message); },
            rd => new ProduceResult((ErrorCode)rd.Int16(), rd.VarInt(), rd.String()));
        r.Add<FetchRequest>("R.Fetch2", (w, m) =>
            {
                Partition(w, m.Partition);
                w.VarInt(m.Offset);
                w.VarInt(m.MaxBytes);
                w.Byte((byte)m.Isolation);
                w.VarInt(m.WaitMs);
                w.VarInt(m.MaxRecords);
            },
            rd => new FetchRequest(Partition(rd), rd.VarInt(), rd.VarInt32(), (IsolationLevel)rd.Byte(), rd.VarInt32(), rd.VarInt32()));
        r.Add<FetchResult>("R.FetchR1", (w, m) =>
            {
                w.Int16((short)m.Error);
                w.VarInt(m.HighWatermark);
                w.VarInt(m.LastStableOffset);
                w.VarInt(m.LogStartOffset);
                w.VarInt(m.LogEndOffset);
                w.String(m.Message);
                w.List(m.AbortedTransactions, Aborted);
                w.List(m.Batches, (x, b) => x.Bytes(b));
            },
            rd =>
            {
                var error = (ErrorCode)rd.Int16();
                long hw = rd.VarInt(), lso = rd.VarInt(), start = rd.VarInt(), end = rd.VarInt();
                var message = rd.String();
                var aborted = rd.List(Aborted);
                return new FetchResult(error, rd.List(x => x.Bytes()), hw, lso, start, end, aborted, message);
            });
        r.Add<ListOffsetsRequest>("R.List1", (w, m) => { Partition(w, m.Partition); w.VarInt(m.Timestamp); w.Byte((byte)m.Isolation); },
            rd => new ListOffsetsRequest(Partition(rd), rd.VarInt(), (IsolationLevel)rd.Byte()));
        r.Add<ListOffsetsResult>("R.ListR1", (w, m) => { w.Int16((short)m.Error); w.VarInt(m.Offset); w.VarInt(m.Timestamp); w.String(m.Message); },
            rd => new ListOffsetsResult((ErrorCode)rd.Int16(), rd.VarInt(), rd.VarInt(), rd.String()));
        r.Add<DescribeReplica>("R.Describe1", (w, m) => Partition(w, m.Partition), rd => new DescribeReplica(Partition(rd)));
        r.Add<ReadReplicaLog>("R.ReadLog1", (w, m) => { Partition(w, m.Partition); w.VarInt(m.Offset); w.VarInt(m.MaxBytes); },
            rd => new ReadReplicaLog(Partition(rd), rd.VarInt(), rd.VarInt32()));
        r.Add<ReplicaStatus>("R.Status1", (w, m) =>
            {
                w.Int16((short)m.Error);
                w.Bool(m.IsLeader);
                w.VarInt(m.LeaderEpoch);
                w.VarInt(m.LogStartOffset);
                w.VarInt(m.HighWatermark);
                w.VarInt(m.LastStableOffset);
                w.VarInt(m.LogEndOffset);
                w.VarInt(m.SizeInBytes);
                w.VarInt(m.EventsReplayedOnRecovery);
            },
            rd => new ReplicaStatus((ErrorCode)rd.Int16(), rd.Bool(), rd.VarInt32(), rd.VarInt(), rd.VarInt(), rd.VarInt(), rd.VarInt(), rd.VarInt(), rd.VarInt()));
        r.Add<FollowerFetch>("R.FFetch1", (w, m) =>
            {
                Partition(w, m.Partition);
                w.VarInt(m.LeaderEpoch);
                w.VarInt(m.FollowerId);
                w.VarInt(m.FetchOffset);
                w.VarInt(m.LastFetchedEpoch);
            },
            rd => new FollowerFetch(Partition(rd), rd.VarInt32(), rd.VarInt32(), rd.VarInt(), rd.VarInt32()));
        r.Add<DivergingEpoch>("R.Diverge1", (w, m) => { Partition(w, m.Partition); w.VarInt(m.LeaderEpoch); w.VarInt(m.Epoch); w.VarInt(m.EndOffset); },
            rd => new DivergingEpoch(Partition(rd), rd.VarInt32(), rd.VarInt32(), rd.VarInt()));
        r.Add<ResetFollowerLog>("R.Reset1", (w, m) => { Partition(w, m.Partition); w.VarInt(m.LeaderEpoch); w.VarInt(m.LogStartOffset); },
            rd => new ResetFollowerLog(Partition(rd), rd.VarInt32(), rd.VarInt()));
        r.Add<FollowerFetchRejected>("R.FReject1", (w, m) => { Partition(w, m.Partition); w.Int16((short)m.Error); w.VarInt(m.LeaderEpoch); },
            rd => new FollowerFetchRejected(Partition(rd), (ErrorCode)rd.Int16(), rd.VarInt32()));
        r.Add<ReplicateBatches>("R.Push1", (w, m) =>
            {
                Partition(w, m.Partition);
                w.VarInt(m.LeaderEpoch);
                w.VarInt(m.FromOffset);
                w.VarInt(m.HighWatermark);
                w.VarInt(m.LogStartOffset);
                w.List(m.Batches, (x, b) => x.Bytes(b));
            },
            rd =>
            {
                var partition = Partition(rd);
                var epoch = rd.VarInt32();
                var from = rd.VarInt();
                var hw = rd.VarInt();
                var start = rd.VarInt();
                return new ReplicateBatches(partition, epoch, from, rd.List(x => x.Bytes()), hw, start);
            });
        r.Add<ReplicaAck>("R.Ack1", (w, m) =>
            {
                Partition(w, m.Partition);
                w.VarInt(m.LeaderEpoch);
                w.VarInt(m.FollowerId);
                w.VarInt(m.LogEndOffset);
                w.Bool(m.Accepted);
            },
            rd => new ReplicaAck(Partition(rd), rd.VarInt32(), rd.VarInt32(), rd.VarInt(), rd.Bool()));

        // Controller.
        r.Add<ClusterMetadata>("C.Meta1", WriteMetadata, ReadMetadata);
        r.Add<MetadataUpdate>("C.Update1", (w, m) => { w.Bool(m.FromController); WriteMetadata(w, m.Metadata); },
            rd => { var fromController = rd.Bool(); return new MetadataUpdate(ReadMetadata(rd), fromController); });
        r.Add<BrokerRegistration>("C.Broker1", Broker, Broker);
        r.Add<CreateTopic>("C.Create1", (w, m) =>
            {
                w.String(m.Name);
                w.VarInt(m.Partitions);
                w.VarInt(m.ReplicationFactor);
                StringMap(w, m.Configs);
            },
            rd => new CreateTopic(rd.RequiredString(), rd.VarInt32(), rd.VarInt32(), StringMap(rd)));
        r.Add<DeleteTopic>("C.Delete1", (w, m) => w.String(m.Name), rd => new DeleteTopic(rd.RequiredString()));
        r.Add<AlterTopicConfigs>("C.Configs1", (w, m) => { w.String(m.Name); StringMap(w, m.Configs); },
            rd => new AlterTopicConfigs(rd.RequiredString(), StringMap(rd)));
        r.Add<AlterPartition>("C.AlterIsr1", (w, m) =>
            {
                Partition(w, m.Partition);
                w.VarInt(m.LeaderId);
                w.VarInt(m.LeaderEpoch);
                w.VarInt(m.PartitionEpoch);
                w.Int32List(m.NewIsr);
            },
            rd => new AlterPartition(Partition(rd), rd.VarInt32(), rd.VarInt32(), rd.VarInt32(), rd.Int32List()));
        r.Add<AlterPartitionResult>("C.AlterIsrR1", (w, m) =>
            {
                Partition(w, m.Partition);
                w.Int16((short)m.Error);
                w.Bool(m.State is not null);
                if (m.State is not null) State(w, m.State);
            },
            rd => new AlterPartitionResult(Partition(rd), (ErrorCode)rd.Int16(), rd.Bool() ? State(rd) : null));
        r.Add<RegisterBroker>("C.Register1", (w, m) => Broker(w, m.Registration), rd => new RegisterBroker(Broker(rd)));
        r.Add<ControlledShutdown>("C.Shutdown1", (w, m) => w.VarInt(m.BrokerId), rd => new ControlledShutdown(rd.VarInt32()));
        r.Add<AllocateProducerIds>("C.Pids1", (w, m) => w.VarInt(m.Count), rd => new AllocateProducerIds(rd.VarInt32()));
        r.Add<ControllerResult>("C.Result1", (w, m) => { w.Int16((short)m.Error); w.String(m.Message); w.VarInt(m.MetadataVersion); },
            rd => new ControllerResult((ErrorCode)rd.Int16(), rd.String(), rd.VarInt()));
        r.Add<ProducerIdBlock>("C.PidsR1", (w, m) => { w.Int16((short)m.Error); w.VarInt(m.FirstProducerId); w.VarInt(m.Count); },
            rd => new ProducerIdBlock((ErrorCode)rd.Int16(), rd.VarInt(), rd.VarInt32()));
    }

    // ---------------------------------------------------------------- shared shapes

    public static void Partition(WireWriter w, TopicIdPartition p)
    {
        w.VarInt(p.TopicId);
        w.String(p.Topic);
        w.VarInt(p.Partition);
    }

    public static TopicIdPartition Partition(WireReader r) => new(r.VarInt(), r.RequiredString(), r.VarInt32());

    private static void State(WireWriter w, PartitionState s)
    {
        w.VarInt(s.Partition);
        w.Int32List(s.Replicas);
        w.VarInt(s.Leader);
        w.VarInt(s.LeaderEpoch);
        w.Int32List(s.Isr);
        w.VarInt(s.PartitionEpoch);
    }

    private static PartitionState State(WireReader r) =>
        new(r.VarInt32(), r.Int32List(), r.VarInt32(), r.VarInt32(), r.Int32List(), r.VarInt32());

    private static void Config(WireWriter w, TopicConfig c)
    {
        w.VarInt(c.MinInsyncReplicas);
        w.VarInt(c.RetentionMs);
        w.VarInt(c.RetentionBytes);
        w.Bool(c.UncleanLeaderElection);
        w.VarInt(c.MaxMessageBytes);
    }

    private static TopicConfig Config(WireReader r) => new(r.VarInt32(), r.VarInt(), r.VarInt(), r.Bool(), r.VarInt32());

    public static void StringMap(WireWriter w, IReadOnlyDictionary<string, string> map) =>
        w.List(map.ToList(), (x, kv) => { x.String(kv.Key); x.String(kv.Value); });

    public static Dictionary<string, string> StringMap(WireReader r) =>
        r.List(x => (x.RequiredString(), x.RequiredString())).ToDictionary(kv => kv.Item1, kv => kv.Item2, StringComparer.Ordinal);

    private static void Broker(WireWriter w, BrokerRegistration b)
    {
        w.VarInt(b.BrokerId);
        w.String(b.Host);
        w.VarInt(b.Port);
        w.VarInt(b.HttpPort);
        w.VarInt(b.KafkaPort);
        w.VarInt(b.Incarnation);
    }

    private static BrokerRegistration Broker(WireReader r) => new(r.VarInt32(), r.RequiredString(), r.VarInt32(), r.VarInt32(), r.VarInt32(), r.VarInt());

    private static void Aborted(WireWriter w, AbortedTxn t)
    {
        w.VarInt(t.ProducerId);
        w.VarInt(t.FirstOffset);
        w.VarInt(t.LastOffset);
    }

    private static AbortedTxn Aborted(WireReader r) => new(r.VarInt(), r.VarInt(), r.VarInt());

    private static void WriteMetadata(WireWriter w, ClusterMetadata m)
    {
        w.VarInt(m.Version);
        w.String(m.ClusterId);
        w.VarInt(m.NextTopicId);
        w.VarInt(m.NextProducerId);
        w.List(m.Brokers.Values.ToList(), Broker);
        w.List(m.Topics.Values.ToList(), (x, t) =>
        {
            x.String(t.Name);
            x.VarInt(t.TopicId);
            StringMap(x, t.Configs);
            x.List(t.Partitions, State);
        });
    }

    private static ClusterMetadata ReadMetadata(WireReader r)
    {
        var version = r.VarInt();
        var clusterId = r.RequiredString();
        var nextTopicId = r.VarInt();
        var nextProducerId = r.VarInt();
        var brokers = r.List(Broker).ToImmutableSortedDictionary(b => b.BrokerId, b => b);
        var topics = r.List(x => new TopicMetadata(
                x.RequiredString(), x.VarInt(), StringMap(x).ToImmutableSortedDictionary(StringComparer.Ordinal),
                x.List(State).ToImmutableArray()))
            .ToImmutableSortedDictionary(t => t.Name, t => t, StringComparer.Ordinal);
        return new ClusterMetadata(version, clusterId, brokers, topics, nextTopicId, nextProducerId);
    }

    private static void WriteSnapshot(WireWriter w, PartitionSnapshot s)
    {
        w.VarInt(s.LogStartOffset);
        w.VarInt(s.LogEndOffset);
        w.VarInt(s.HighWatermark);
        w.VarInt(s.NextPosition);
        w.VarInt(s.BatchesAppended);
        w.VarInt(s.BytesAppended);
        w.List(s.Index, (x, e) =>
        {
            x.VarInt(e.BaseOffset);
            x.VarInt(e.SeqNr);
            x.VarInt(e.Position);
            x.VarInt(e.MaxTimestamp);
            x.VarInt(e.FirstBatchMaxTimestamp);
        });
        w.List(s.Epochs, (x, e) => { x.VarInt(e.Epoch); x.VarInt(e.StartOffset); });
        w.List(s.Truncations, (x, t) => { x.VarInt(t.Offset); x.VarInt(t.BeforeSeqNr); });
        w.List(s.Producers, (x, p) =>
        {
            x.VarInt(p.ProducerId);
            x.Int16(p.Epoch);
            x.VarInt(p.CurrentTxnFirstOffset);
            x.VarInt(p.LastOffset);
            x.List(p.RecentBatches, (y, b) => { y.VarInt(b.FirstSeq); y.VarInt(b.LastSeq); y.VarInt(b.FirstOffset); y.VarInt(b.LastOffset); });
        });
        w.List(s.Aborted, Aborted);
    }

    private static PartitionSnapshot ReadSnapshot(WireReader r) => new(
        r.VarInt(), r.VarInt(), r.VarInt(), r.VarInt(), r.VarInt(), r.VarInt(),
        r.List(x => new IndexEntry(x.VarInt(), x.VarInt(), x.VarInt(), x.VarInt(), x.VarInt())).ToArray(),
        r.List(x => new EpochEntry(x.VarInt32(), x.VarInt())).ToArray(),
        r.List(x => new Truncation(x.VarInt(), x.VarInt())).ToArray(),
        r.List(x => new ProducerSnapshot(x.VarInt(), x.Int16(), x.VarInt(), x.VarInt(),
            x.List(y => new BatchMetadata(y.VarInt32(), y.VarInt32(), y.VarInt(), y.VarInt())).ToArray())).ToArray(),
        r.List(Aborted).ToArray());
}
