using Cluster.Domain.Groups;
using Cluster.Domain.Protocol;
using Cluster.Domain.Serialization;

namespace Cluster.Domain.Transactions;

/// <summary>Wire formats of the transaction coordinator's requests and answers (manifests "T.*").</summary>
public static class TransactionCodecs
{
    public static void Register(CodecRegistry r)
    {
        r.Add<InitProducerId>("T.Init1", (w, m) => { w.String(m.TransactionalId); w.VarInt(m.TransactionTimeoutMs); w.VarInt(m.DeadlineMs); },
            rd => new InitProducerId(rd.RequiredString(), rd.VarInt32(), rd.VarInt()));
        r.Add<InitProducerIdResult>("T.InitR1", (w, m) => { Error(w, m.Error, m.Message); w.VarInt(m.ProducerId); w.Int16(m.ProducerEpoch); },
            rd => new InitProducerIdResult((ErrorCode)rd.Int16(), rd.String(), rd.VarInt(), rd.Int16()));

        r.Add<AddPartitionsToTxn>("T.AddP1", (w, m) =>
            {
                w.String(m.TransactionalId);
                w.VarInt(m.ProducerId);
                w.Int16(m.ProducerEpoch);
                w.List(m.Partitions, OffsetsTopic.WritePartition);
                Guid(w, m.LeaseId);
                w.VarInt(m.DeadlineMs);
            },
            rd => new AddPartitionsToTxn(rd.RequiredString(), rd.VarInt(), rd.Int16(), rd.List(OffsetsTopic.ReadPartition), Guid(rd), rd.VarInt()));
        r.Add<VerifyPartitionInTxn>("T.Verify1", (w, m) =>
            {
                w.String(m.TransactionalId);
                w.VarInt(m.ProducerId);
                w.Int16(m.ProducerEpoch);
                OffsetsTopic.WritePartition(w, m.Partition);
                w.VarInt(m.DeadlineMs);
            },
            rd => new VerifyPartitionInTxn(rd.RequiredString(), rd.VarInt(), rd.Int16(), OffsetsTopic.ReadPartition(rd), rd.VarInt()));
        r.Add<AddOffsetsToTxn>("T.AddO1", (w, m) =>
            {
                w.String(m.TransactionalId);
                w.VarInt(m.ProducerId);
                w.Int16(m.ProducerEpoch);
                w.String(m.GroupId);
                Guid(w, m.LeaseId);
                w.VarInt(m.DeadlineMs);
            },
            rd => new AddOffsetsToTxn(rd.RequiredString(), rd.VarInt(), rd.Int16(), rd.RequiredString(), Guid(rd), rd.VarInt()));
        r.Add<AddToTxnResult>("T.AddR1", (w, m) =>
            {
                Error(w, m.Error, m.Message);
                w.VarInt(m.Transaction.ProducerId);
                w.Int16(m.Transaction.ProducerEpoch);
                w.VarInt(m.Transaction.TransactionNumber);
            },
            rd => new AddToTxnResult((ErrorCode)rd.Int16(), rd.String(), new TransactionTag(rd.VarInt(), rd.Int16(), rd.VarInt())));

        r.Add<EndTxn>("T.End1", (w, m) =>
            {
                w.String(m.TransactionalId);
                w.VarInt(m.ProducerId);
                w.Int16(m.ProducerEpoch);
                w.Bool(m.Commit);
                Guid(w, m.RequestId);
                w.VarInt(m.DeadlineMs);
            },
            rd => new EndTxn(rd.RequiredString(), rd.VarInt(), rd.Int16(), rd.Bool(), Guid(rd), rd.VarInt()));
        r.Add<TransactionAck>("T.Ack1", (w, m) => Error(w, m.Error, m.Message), rd => new TransactionAck((ErrorCode)rd.Int16(), rd.String()));

        r.Add<TransactionRequestDone>("T.Done1", (w, m) => { w.String(m.TransactionalId); Guid(w, m.LeaseId); },
            rd => new TransactionRequestDone(rd.RequiredString(), Guid(rd)));
        r.Add<WakeTransaction>("T.Wake1", (w, m) => w.String(m.TransactionalId), rd => new WakeTransaction(rd.RequiredString()));

        r.Add<DescribeTransaction>("T.Describe1", (w, m) => { w.String(m.TransactionalId); w.VarInt(m.DeadlineMs); },
            rd => new DescribeTransaction(rd.RequiredString(), rd.VarInt()));
        r.Add<TransactionDescription>("T.DescribeR1", (w, m) =>
            {
                Error(w, m.Error, m.Message);
                w.Bool(m.Metadata is not null);
                if (m.Metadata is not null) TransactionStateTopic.Write(w, m.Metadata);
                w.VarInt(m.CoordinatorBrokerId);
            },
            rd =>
            {
                var error = (ErrorCode)rd.Int16();
                var message = rd.String();
                var metadata = rd.Bool() ? TransactionStateTopic.Read(rd) : null;
                return new TransactionDescription(error, message, metadata, rd.VarInt32());
            });
    }

    private static void Error(WireWriter w, ErrorCode error, string? message)
    {
        w.Int16((short)error);
        w.String(message);
    }

    private static void Guid(WireWriter w, Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes);
        w.Raw(bytes);
    }

    private static Guid Guid(WireReader r)
    {
        var a = r.Int64();
        var b = r.Int64();
        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(bytes, a);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(bytes[8..], b);
        return new Guid(bytes);
    }
}
