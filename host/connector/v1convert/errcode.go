package v1convert

import (
	"github.com/dpone-go/dpone/host/catalog"
	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

var errorCodes = map[connectorv1.ErrorCode]catalog.ErrorCode{
	connectorv1.ErrorCode_ERROR_CODE_UNSPECIFIED:  catalog.ErrorUnspecified,
	connectorv1.ErrorCode_ERROR_CODE_CONFIG:       catalog.ErrorConfig,
	connectorv1.ErrorCode_ERROR_CODE_AUTH:         catalog.ErrorAuth,
	connectorv1.ErrorCode_ERROR_CODE_CONNECT:      catalog.ErrorConnect,
	connectorv1.ErrorCode_ERROR_CODE_NOT_FOUND:    catalog.ErrorNotFound,
	connectorv1.ErrorCode_ERROR_CODE_SCHEMA:       catalog.ErrorSchema,
	connectorv1.ErrorCode_ERROR_CODE_DATA:         catalog.ErrorData,
	connectorv1.ErrorCode_ERROR_CODE_RATE_LIMITED: catalog.ErrorRateLimited,
	connectorv1.ErrorCode_ERROR_CODE_UNAVAILABLE:  catalog.ErrorUnavailable,
	connectorv1.ErrorCode_ERROR_CODE_UNSUPPORTED:  catalog.ErrorUnsupported,
	connectorv1.ErrorCode_ERROR_CODE_INTERNAL:     catalog.ErrorInternal,
}

var wireErrorCodes = invert(errorCodes)

// ErrorCode maps an in-band error code; one from a newer minor reads as
// internal.
func ErrorCode(c connectorv1.ErrorCode) catalog.ErrorCode {
	if v, ok := errorCodes[c]; ok {
		return v
	}
	return catalog.ErrorInternal
}

// WireErrorCode maps an error code (for plugins in tests).
func WireErrorCode(c catalog.ErrorCode) connectorv1.ErrorCode { return wireErrorCodes[c] }
