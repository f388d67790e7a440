package kafka

import (
	"context"
	"errors"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/dpone-go/dpone/sdk"
)

// classify gives err the protocol code its Kafka error code means; errors
// that already carry a code, and cancellations, are returned as they are.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var se *sdk.Error
	if errors.As(err, &se) || errors.Is(err, context.Canceled) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return sdk.WithCode(sdk.CodeUnavailable, err)
	}
	var ke ck.Error
	if !errors.As(err, &ke) {
		return err
	}
	return sdk.WithCode(codeOf(ke.Code()), err)
}

// codeOf maps a librdkafka error code to a protocol code.
func codeOf(code ck.ErrorCode) sdk.Code {
	switch code {
	case ck.ErrAuthentication, ck.ErrSaslAuthenticationFailed, ck.ErrTopicAuthorizationFailed,
		ck.ErrGroupAuthorizationFailed, ck.ErrClusterAuthorizationFailed,
		ck.ErrTransactionalIDAuthorizationFailed, ck.ErrSsl:
		return sdk.CodeAuth
	case ck.ErrUnknownTopicOrPart, ck.ErrUnknownTopic, ck.ErrUnknownPartition:
		return sdk.CodeNotFound
	case ck.ErrInvalidArg, ck.ErrInvalidConfig, ck.ErrTopicException,
		ck.ErrPolicyViolation, ck.ErrInvalidReplicationFactor, ck.ErrInvalidPartitions:
		return sdk.CodeConfig
	case ck.ErrMsgSizeTooLarge, ck.ErrInvalidMsg, ck.ErrRecordListTooLarge, ck.ErrInvalidRecord,
		ck.ErrBadMsg:
		return sdk.CodeData
	case ck.ErrThrottlingQuotaExceeded:
		return sdk.CodeRateLimited
	case ck.ErrTransport, ck.ErrAllBrokersDown, ck.ErrTimedOut, ck.ErrMsgTimedOut, ck.ErrRequestTimedOut,
		ck.ErrTimedOutQueue, ck.ErrNotLeaderForPartition, ck.ErrLeaderNotAvailable, ck.ErrNotEnoughReplicas,
		ck.ErrNotEnoughReplicasAfterAppend, ck.ErrNetworkException, ck.ErrBrokerNotAvailable,
		ck.ErrCoordinatorNotAvailable, ck.ErrNotCoordinator, ck.ErrCoordinatorLoadInProgress,
		ck.ErrConcurrentTransactions, ck.ErrQueueFull, ck.ErrResolve, ck.ErrDestroy:
		return sdk.CodeUnavailable
	}
	return sdk.CodeInternal
}
