using Cluster.Api.Endpoints;
using Cluster.Api.Http;
using Cluster.Domain.Protocol;

namespace Cluster.Api.Tests;

public class ErrorMappingTests
{
    [Theory]
    [InlineData(ErrorCode.InvalidRequest, 400)]
    [InlineData(ErrorCode.InvalidTopicException, 400)]
    [InlineData(ErrorCode.InvalidPartitions, 400)]
    [InlineData(ErrorCode.InvalidReplicationFactor, 400)]
    [InlineData(ErrorCode.InvalidConfig, 400)]
    [InlineData(ErrorCode.CorruptMessage, 400)]
    [InlineData(ErrorCode.RecordListTooLarge, 400)]
    [InlineData(ErrorCode.MessageTooLarge, 400)]
    [InlineData(ErrorCode.UnknownTopicOrPartition, 404)]
    [InlineData(ErrorCode.TopicAlreadyExists, 409)]
    [InlineData(ErrorCode.InvalidProducerEpoch, 409)]
    [InlineData(ErrorCode.ProducerFenced, 409)]
    [InlineData(ErrorCode.OutOfOrderSequenceNumber, 409)]
    [InlineData(ErrorCode.InvalidTxnState, 409)]
    [InlineData(ErrorCode.IllegalGeneration, 409)]
    [InlineData(ErrorCode.UnknownMemberId, 409)]
    [InlineData(ErrorCode.RebalanceInProgress, 409)]
    [InlineData(ErrorCode.OffsetOutOfRange, 416)]
    [InlineData(ErrorCode.NotEnoughReplicas, 503)]
    [InlineData(ErrorCode.NotEnoughReplicasAfterAppend, 503)]
    [InlineData(ErrorCode.LeaderNotAvailable, 503)]
    [InlineData(ErrorCode.CoordinatorNotAvailable, 503)]
    [InlineData(ErrorCode.NotLeaderOrFollower, 503)]
    [InlineData(ErrorCode.KafkaStorageError, 503)]
    [InlineData(ErrorCode.RequestTimedOut, 504)]
    [InlineData(ErrorCode.UnknownServerError, 500)]
    [InlineData(ErrorCode.SaslAuthenticationFailed, 500)]
    public void Status_of(ErrorCode error, int status) => Assert.Equal(status, ErrorMapping.StatusOf(error));

    [Fact]
    public void Names_are_Kafkas()
    {
        Assert.Equal("NOT_ENOUGH_REPLICAS", new ApiException(ErrorCode.NotEnoughReplicas, "x").Error.KafkaName());
        Assert.Equal("INVALID_TOPIC_EXCEPTION", ErrorCode.InvalidTopicException.KafkaName());
        Assert.Equal("RECORD_LIST_TOO_LARGE", ErrorCode.RecordListTooLarge.KafkaName());
    }

    [Theory]
    [InlineData("earliest", -2)]
    [InlineData("LATEST", -1)]
    [InlineData("0", 0)]
    [InlineData("1732521600000", 1732521600000)]
    public void Offsets_at(string at, long expected) => Assert.Equal(expected, FetchEndpoints.ParseAt(at));

    [Theory]
    [InlineData(null)]
    [InlineData("-5")]
    [InlineData("soon")]
    [InlineData("1.5")]
    [InlineData("")]
    public void Bad_offsets_at(string? at) => Assert.Equal(400, Assert.Throws<ApiException>(() => FetchEndpoints.ParseAt(at)).Status);
}
