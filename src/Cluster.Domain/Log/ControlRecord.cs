using System.Buffers.Binary;

namespace Cluster.Domain.Log;

// Kafka's ControlRecordType ids.
public enum ControlRecordType : short
{
    Unknown = -1,
    Abort = 0,
    Commit = 1,
    LeaderChange = 2,
    SnapshotHeader = 3,
    SnapshotFooter = 4,
    KRaftVersion = 5,
    KRaftVoters = 6,
}

// The record of a control batch. Key: version int16, type int16. For Commit and Abort
// (EndTransactionMarker) the value is version int16, coordinatorEpoch int32.
public readonly record struct ControlRecord(short Version, ControlRecordType Type, int CoordinatorEpoch)
{
    internal const int KeySize = 4;
    internal const int EndTransactionMarkerValueSize = 6;

    public bool IsTransactionMarker => Type is ControlRecordType.Commit or ControlRecordType.Abort;

    // The marker of a control batch: its first (and only) record.
    public static bool TryRead(RecordBatch batch, out ControlRecord control)
    {
        control = default;
        if (!batch.IsControl) return false;
        var records = batch.GetEnumerator();
        return records.MoveNext() && TryParse(records.Current, out control);
    }

    public static bool IsCommitMarker(RecordBatch batch) =>
        TryRead(batch, out var control) && control.Type == ControlRecordType.Commit;

    public static bool TryParse(in Record record, out ControlRecord control)
    {
        control = default;
        if (record.Key is not { } keyMemory || keyMemory.Length < KeySize) return false;
        var key = keyMemory.Span;
        short version = BinaryPrimitives.ReadInt16BigEndian(key);
        if (version < 0) return false;
        short typeId = BinaryPrimitives.ReadInt16BigEndian(key[2..]);
        var type = typeId is >= 0 and <= (short)ControlRecordType.KRaftVoters ? (ControlRecordType)typeId : ControlRecordType.Unknown;

        int coordinatorEpoch = -1;
        if (type is ControlRecordType.Commit or ControlRecordType.Abort)
        {
            if (record.Value is not { } valueMemory || valueMemory.Length < EndTransactionMarkerValueSize) return false;
            var value = valueMemory.Span;
            if (BinaryPrimitives.ReadInt16BigEndian(value) < 0) return false;
            coordinatorEpoch = BinaryPrimitives.ReadInt32BigEndian(value[2..]);
        }

        control = new ControlRecord(version, type, coordinatorEpoch);
        return true;
    }
}
