using Cluster.Domain.Log;
using Xunit;

namespace Cluster.Domain.Tests.Log;

public class ControlBatchTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Transaction_marker_round_trips(bool commit)
    {
        var bytes = RecordBatchBuilder.BuildControlBatch(producerId: 8000, producerEpoch: 4, commit, coordinatorEpoch: 12,
            timestampMs: 1_700_000_000_123);
        var batch = RecordBatch.Parse(bytes);

        Assert.True(batch.IsControl);
        Assert.True(batch.IsTransactional);
        Assert.Equal(0x30, batch.Attributes);
        Assert.Equal(8000, batch.ProducerId);
        Assert.Equal(4, batch.ProducerEpoch);
        Assert.Equal(RecordBatch.NoSequence, batch.BaseSequence);
        Assert.Equal(1, batch.RecordCount);
        Assert.Equal(1_700_000_000_123, batch.MaxTimestamp);

        var record = Assert.Single(batch.Records);
        Assert.Equal(new byte[] { 0, 0, 0, (byte)(commit ? 1 : 0) }, record.Key!.Value.ToArray());
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 12 }, record.Value!.Value.ToArray());
        Assert.Empty(record.Headers);

        Assert.True(ControlRecord.TryParse(record, out var control));
        Assert.Equal(commit ? ControlRecordType.Commit : ControlRecordType.Abort, control.Type);
        Assert.Equal(0, control.Version);
        Assert.Equal(12, control.CoordinatorEpoch);
        Assert.True(control.IsTransactionMarker);

        Assert.True(ControlRecord.TryRead(batch, out var fromBatch));
        Assert.Equal(control, fromBatch);
        Assert.Equal(commit, ControlRecord.IsCommitMarker(batch));
    }

    [Fact]
    public void Other_control_types_parse_without_an_epoch()
    {
        using var builder = new RecordBatchBuilder();
        builder.Append(0, [0, 0, 0, 2], [0, 0, 1, 2, 3]);
        builder.Append(0, [0, 0, 0, 99], null);
        var records = RecordBatch.Parse(builder.Build()).Records.ToList();

        Assert.True(ControlRecord.TryParse(records[0], out var leaderChange));
        Assert.Equal(ControlRecordType.LeaderChange, leaderChange.Type);
        Assert.Equal(-1, leaderChange.CoordinatorEpoch);
        Assert.True(ControlRecord.TryParse(records[1], out var unknown));
        Assert.Equal(ControlRecordType.Unknown, unknown.Type);
    }

    [Fact]
    public void Malformed_control_records_do_not_parse()
    {
        using var builder = new RecordBatchBuilder();
        builder.Append(0, null, null);
        builder.Append(0, [0, 0, 1], null);
        builder.Append(0, [0xFF, 0xFF, 0, 1], [0, 0, 0, 0, 0, 1]);
        builder.Append(0, [0, 0, 0, 1], [0, 0, 0, 0]);
        builder.Append(0, [0, 0, 0, 1], null);
        foreach (var record in RecordBatch.Parse(builder.Build()).Records)
            Assert.False(ControlRecord.TryParse(record, out _));
    }

    [Fact]
    public void Data_batches_are_not_markers()
    {
        using var builder = new RecordBatchBuilder();
        builder.Append(0, [0, 0, 0, 1], [0, 0, 0, 0, 0, 1]);
        var batch = RecordBatch.Parse(builder.Build());
        Assert.False(ControlRecord.TryRead(batch, out _));
        Assert.False(ControlRecord.IsCommitMarker(batch));
    }
}
