using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Domain.Serialization;

namespace Cluster.Domain.Groups;

/// <summary>Wire formats of the group coordinator's requests and answers (manifests "G.*").</summary>
public static class GroupCodecs
{
    public static void Register(CodecRegistry r)
    {
        r.Add<JoinGroup>("G.Join1", (w, m) =>
            {
                w.String(m.GroupId);
                w.String(m.MemberId);
                w.String(m.NewMemberId);
                w.List(m.Topics, (x, t) => x.String(t));
                w.VarInt(m.SessionTimeoutMs);
                w.String(m.Assignor);
            },
            rd => new JoinGroup(rd.RequiredString(), rd.String(), rd.RequiredString(), rd.List(x => x.RequiredString()), rd.VarInt32(), rd.String()));
        r.Add<JoinGroupResult>("G.JoinR1", (w, m) =>
            {
                Error(w, m.Error, m.Message);
                w.String(m.MemberId);
                w.VarInt(m.Generation);
                w.List(m.Assignment, OffsetsTopic.WritePartition);
            },
            rd => new JoinGroupResult((ErrorCode)rd.Int16(), rd.String(), rd.RequiredString(), rd.VarInt32(), rd.List(OffsetsTopic.ReadPartition)));

        r.Add<GroupHeartbeat>("G.Hb1", (w, m) => { w.String(m.GroupId); w.String(m.MemberId); OptionalInt(w, m.Generation); },
            rd => new GroupHeartbeat(rd.RequiredString(), rd.RequiredString(), OptionalInt(rd)));
        r.Add<HeartbeatResult>("G.HbR1", (w, m) =>
            {
                Error(w, m.Error, m.Message);
                w.VarInt(m.Generation);
                w.List(m.Assignment, OffsetsTopic.WritePartition);
            },
            rd => new HeartbeatResult((ErrorCode)rd.Int16(), rd.String(), rd.VarInt32(), rd.List(OffsetsTopic.ReadPartition)));

        r.Add<LeaveGroup>("G.Leave1", (w, m) => { w.String(m.GroupId); w.String(m.MemberId); },
            rd => new LeaveGroup(rd.RequiredString(), rd.RequiredString()));
        r.Add<GroupAck>("G.Ack1", (w, m) => Error(w, m.Error, m.Message), rd => new GroupAck((ErrorCode)rd.Int16(), rd.String()));

        r.Add<CommitOffsets>("G.Commit1", (w, m) =>
            {
                w.String(m.GroupId);
                w.String(m.MemberId);
                OptionalInt(w, m.Generation);
                w.List(m.Offsets, (x, o) =>
                {
                    x.String(o.Topic);
                    x.VarInt(o.Partition);
                    x.VarInt(o.Offset);
                    x.String(o.Metadata);
                });
            },
            rd => new CommitOffsets(rd.RequiredString(), rd.String(), OptionalInt(rd),
                rd.List(x => new OffsetCommit(x.RequiredString(), x.VarInt32(), x.VarInt(), x.String()))));
        r.Add<FetchOffsets>("G.Fetch1", (w, m) => { w.String(m.GroupId); w.String(m.Topic); },
            rd => new FetchOffsets(rd.RequiredString(), rd.String()));
        r.Add<FetchOffsetsResult>("G.FetchR1", (w, m) => { Error(w, m.Error, m.Message); w.List(m.Offsets, Committed); },
            rd => new FetchOffsetsResult((ErrorCode)rd.Int16(), rd.String(), rd.List(Committed)));

        r.Add<TxnCommitOffsets>("G.TxnCommit1", (w, m) =>
            {
                w.String(m.GroupId);
                w.VarInt(m.ProducerId);
                w.Int16(m.ProducerEpoch);
                w.VarInt(m.TransactionNumber);
                w.String(m.MemberId);
                OptionalInt(w, m.Generation);
                w.List(m.Offsets, (x, o) =>
                {
                    x.String(o.Topic);
                    x.VarInt(o.Partition);
                    x.VarInt(o.Offset);
                    x.String(o.Metadata);
                });
            },
            rd => new TxnCommitOffsets(rd.RequiredString(), rd.VarInt(), rd.Int16(), rd.VarInt(), rd.String(), OptionalInt(rd),
                rd.List(x => new OffsetCommit(x.RequiredString(), x.VarInt32(), x.VarInt(), x.String()))));
        r.Add<CompleteTxnOffsets>("G.TxnComplete1", (w, m) =>
            {
                w.String(m.GroupId);
                w.VarInt(m.ProducerId);
                w.VarInt(m.TransactionNumber);
                w.Bool(m.Commit);
            },
            rd => new CompleteTxnOffsets(rd.RequiredString(), rd.VarInt(), rd.VarInt(), rd.Bool()));

        r.Add<DescribeGroup>("G.Describe1", (w, m) => w.String(m.GroupId), rd => new DescribeGroup(rd.RequiredString()));
        r.Add<GroupDescription>("G.DescribeR1", (w, m) =>
            {
                Error(w, m.Error, m.Message);
                w.String(m.GroupId);
                w.Byte((byte)m.Phase);
                w.VarInt(m.Generation);
                w.String(m.Protocol);
                w.List(m.Members, (x, member) =>
                {
                    x.String(member.MemberId);
                    x.List(member.Topics, (y, t) => y.String(t));
                    x.VarInt(member.SessionTimeoutMs);
                    x.List(member.Assignment, OffsetsTopic.WritePartition);
                });
                w.List(m.Offsets, Committed);
                w.VarInt(m.CoordinatorBrokerId);
            },
            rd => new GroupDescription((ErrorCode)rd.Int16(), rd.String(), rd.RequiredString(), (GroupPhase)rd.Byte(), rd.VarInt32(), rd.String(),
                rd.List(x => new MemberDescription(x.RequiredString(), x.List(y => y.RequiredString()), x.VarInt32(), x.List(OffsetsTopic.ReadPartition))),
                rd.List(Committed), rd.VarInt32()));
    }

    private static void Error(WireWriter w, ErrorCode error, string? message)
    {
        w.Int16((short)error);
        w.String(message);
    }

    private static void OptionalInt(WireWriter w, int? value)
    {
        w.Bool(value.HasValue);
        if (value.HasValue) w.VarInt(value.Value);
    }

    private static int? OptionalInt(WireReader r) => r.Bool() ? r.VarInt32() : null;

    private static void Committed(WireWriter w, CommittedOffset c)
    {
        OffsetsTopic.WritePartition(w, c.Partition);
        w.VarInt(c.Offset.Offset);
        w.String(c.Offset.Metadata);
        w.VarInt(c.Offset.CommitTimestampMs);
    }

    private static CommittedOffset Committed(WireReader r) =>
        new(OffsetsTopic.ReadPartition(r), new OffsetAndMetadata(r.VarInt(), r.String() ?? "", r.VarInt()));
}
