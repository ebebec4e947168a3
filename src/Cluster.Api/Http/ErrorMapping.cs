using Cluster.Domain.Protocol;
using Microsoft.AspNetCore.Http;

namespace Cluster.Api.Http;

/// <summary>
/// Kafka error → HTTP status, as the contract lists them. 5xx means "retry the same
/// request"; errors the contract does not name get the status of their family, and
/// anything not known at all is a 500.
/// </summary>
public static class ErrorMapping
{
    public static int StatusOf(ErrorCode error) => error switch
    {
        ErrorCode.None => StatusCodes.Status200OK,

        ErrorCode.InvalidRequest or ErrorCode.InvalidTopicException or ErrorCode.InvalidPartitions
            or ErrorCode.InvalidReplicationFactor or ErrorCode.InvalidConfig or ErrorCode.CorruptMessage
            or ErrorCode.RecordListTooLarge or ErrorCode.MessageTooLarge or ErrorCode.InvalidRequiredAcks
            or ErrorCode.InvalidTimestamp or ErrorCode.InvalidRecord or ErrorCode.InvalidFetchSize
            or ErrorCode.InvalidReplicaAssignment or ErrorCode.PolicyViolation or ErrorCode.InvalidGroupId
            or ErrorCode.InvalidSessionTimeout or ErrorCode.InvalidTransactionTimeout or ErrorCode.InvalidCommitOffsetSize
            or ErrorCode.OffsetMetadataTooLarge or ErrorCode.UnsupportedForMessageFormat or ErrorCode.UnsupportedVersion
            or ErrorCode.UnsupportedCompressionType
            => StatusCodes.Status400BadRequest,

        ErrorCode.UnknownTopicOrPartition or ErrorCode.UnknownTopicId or ErrorCode.GroupIdNotFound
            or ErrorCode.TransactionalIdNotFound
            => StatusCodes.Status404NotFound,

        ErrorCode.TopicAlreadyExists or ErrorCode.InvalidProducerEpoch or ErrorCode.ProducerFenced
            or ErrorCode.OutOfOrderSequenceNumber or ErrorCode.DuplicateSequenceNumber or ErrorCode.InvalidTxnState
            or ErrorCode.InvalidProducerIdMapping or ErrorCode.UnknownProducerId or ErrorCode.TransactionCoordinatorFenced
            or ErrorCode.IllegalGeneration or ErrorCode.UnknownMemberId or ErrorCode.RebalanceInProgress
            or ErrorCode.InconsistentGroupProtocol or ErrorCode.NonEmptyGroup or ErrorCode.FencedInstanceId
            or ErrorCode.MemberIdRequired or ErrorCode.GroupMaxSizeReached
            => StatusCodes.Status409Conflict,

        ErrorCode.OffsetOutOfRange => StatusCodes.Status416RangeNotSatisfiable,

        ErrorCode.NotEnoughReplicas or ErrorCode.NotEnoughReplicasAfterAppend or ErrorCode.LeaderNotAvailable
            or ErrorCode.CoordinatorNotAvailable or ErrorCode.CoordinatorLoadInProgress or ErrorCode.NotCoordinator
            or ErrorCode.NotLeaderOrFollower or ErrorCode.KafkaStorageError or ErrorCode.BrokerNotAvailable
            or ErrorCode.ReplicaNotAvailable or ErrorCode.NetworkException or ErrorCode.NotController
            or ErrorCode.FencedLeaderEpoch or ErrorCode.UnknownLeaderEpoch or ErrorCode.ConcurrentTransactions
            or ErrorCode.OffsetNotAvailable or ErrorCode.UnstableOffsetCommit or ErrorCode.EligibleLeadersNotAvailable
            or ErrorCode.ThrottlingQuotaExceeded
            => StatusCodes.Status503ServiceUnavailable,

        ErrorCode.RequestTimedOut => StatusCodes.Status504GatewayTimeout,

        _ => StatusCodes.Status500InternalServerError,
    };
}
