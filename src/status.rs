//! Status codes, with cnats' names, values and texts.
//!
//! `natsStatus` and `natsConnStatus` are part of the C ABI: the numbering
//! must never change (it is cnats' `status.h`).

/// The status returned by most functions of the library.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum natsStatus {
    NATS_OK = 0,
    NATS_ERR,
    NATS_PROTOCOL_ERROR,
    NATS_IO_ERROR,
    NATS_LINE_TOO_LONG,
    NATS_CONNECTION_CLOSED,
    NATS_NO_SERVER,
    NATS_STALE_CONNECTION,
    NATS_SECURE_CONNECTION_WANTED,
    NATS_SECURE_CONNECTION_REQUIRED,
    NATS_CONNECTION_DISCONNECTED,
    NATS_CONNECTION_AUTH_FAILED,
    NATS_NOT_PERMITTED,
    NATS_NOT_FOUND,
    NATS_ADDRESS_MISSING,
    NATS_INVALID_SUBJECT,
    NATS_INVALID_ARG,
    NATS_INVALID_SUBSCRIPTION,
    NATS_INVALID_TIMEOUT,
    NATS_ILLEGAL_STATE,
    NATS_SLOW_CONSUMER,
    NATS_MAX_PAYLOAD,
    NATS_MAX_DELIVERED_MSGS,
    NATS_INSUFFICIENT_BUFFER,
    NATS_NO_MEMORY,
    NATS_SYS_ERROR,
    NATS_TIMEOUT,
    NATS_FAILED_TO_INITIALIZE,
    NATS_NOT_INITIALIZED,
    NATS_SSL_ERROR,
    NATS_NO_SERVER_SUPPORT,
    NATS_NOT_YET_CONNECTED,
    NATS_DRAINING,
    NATS_INVALID_QUEUE_NAME,
    NATS_NO_RESPONDERS,
    NATS_MISMATCH,
    NATS_MISSED_HEARTBEAT,
    NATS_LIMIT_REACHED,
    NATS_PIN_ID_MISMATCH,
    NATS_INVALID_CONFIG,
    /// Not a status: one past the last value.
    NATS_MAX_STATUS_VALUE,
}

pub use natsStatus::*;

/// The state of a connection.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum natsConnStatus {
    NATS_CONN_STATUS_DISCONNECTED = 0,
    NATS_CONN_STATUS_CONNECTING,
    NATS_CONN_STATUS_CONNECTED,
    NATS_CONN_STATUS_CLOSED,
    NATS_CONN_STATUS_RECONNECTING,
    NATS_CONN_STATUS_DRAINING_SUBS,
    NATS_CONN_STATUS_DRAINING_PUBS,
}

/// JetStream error codes (`err_code` of the server's API errors).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum jsErrCode {
    JSAccountResourcesExceededErr = 10002,
    JSBadRequestErr = 10003,
    JSClusterIncompleteErr = 10004,
    JSClusterNoPeersErr = 10005,
    JSClusterNotActiveErr = 10006,
    JSClusterNotAssignedErr = 10007,
    JSClusterNotAvailErr = 10008,
    JSClusterNotLeaderErr = 10009,
    JSClusterRequiredErr = 10010,
    JSClusterTagsErr = 10011,
    JSConsumerCreateErr = 10012,
    JSConsumerNameExistErr = 10013,
    JSConsumerNotFoundErr = 10014,
    JSSnapshotDeliverSubjectInvalidErr = 10015,
    JSConsumerDurableNameNotInSubjectErr = 10016,
    JSConsumerDurableNameNotMatchSubjectErr = 10017,
    JSConsumerDurableNameNotSetErr = 10018,
    JSConsumerEphemeralWithDurableInSubjectErr = 10019,
    JSConsumerEphemeralWithDurableNameErr = 10020,
    JSStreamExternalApiOverlapErr = 10021,
    JSStreamExternalDelPrefixOverlapsErr = 10022,
    JSInsufficientResourcesErr = 10023,
    JSStreamInvalidExternalDeliverySubjErr = 10024,
    JSInvalidJSONErr = 10025,
    JSMaximumConsumersLimitErr = 10026,
    JSMaximumStreamsLimitErr = 10027,
    JSMemoryResourcesExceededErr = 10028,
    JSMirrorConsumerSetupFailedErr = 10029,
    JSMirrorMaxMessageSizeTooBigErr = 10030,
    JSMirrorWithSourcesErr = 10031,
    JSMirrorWithStartSeqAndTimeErr = 10032,
    JSMirrorWithSubjectFiltersErr = 10033,
    JSMirrorWithSubjectsErr = 10034,
    JSNoAccountErr = 10035,
    JSClusterUnSupportFeatureErr = 10036,
    JSNoMessageFoundErr = 10037,
    JSNotEmptyRequestErr = 10038,
    JSNotEnabledForAccountErr = 10039,
    JSClusterPeerNotMemberErr = 10040,
    JSRaftGeneralErr = 10041,
    JSRestoreSubscribeFailedErr = 10042,
    JSSequenceNotFoundErr = 10043,
    JSClusterServerNotMemberErr = 10044,
    JSSourceConsumerSetupFailedErr = 10045,
    JSSourceMaxMessageSizeTooBigErr = 10046,
    JSStorageResourcesExceededErr = 10047,
    JSStreamAssignmentErr = 10048,
    JSStreamCreateErr = 10049,
    JSStreamDeleteErr = 10050,
    JSStreamGeneralError = 10051,
    JSStreamInvalidConfig = 10052,
    JSStreamLimitsErr = 10053,
    JSStreamMessageExceedsMaximumErr = 10054,
    JSStreamMirrorNotUpdatableErr = 10055,
    JSStreamMismatchErr = 10056,
    JSStreamMsgDeleteFailed = 10057,
    JSStreamNameExistErr = 10058,
    JSStreamNotFoundErr = 10059,
    JSStreamNotMatchErr = 10060,
    JSStreamReplicasNotUpdatableErr = 10061,
    JSStreamRestoreErr = 10062,
    JSStreamSequenceNotMatchErr = 10063,
    JSStreamSnapshotErr = 10064,
    JSStreamSubjectOverlapErr = 10065,
    JSStreamTemplateCreateErr = 10066,
    JSStreamTemplateDeleteErr = 10067,
    JSStreamTemplateNotFoundErr = 10068,
    JSStreamUpdateErr = 10069,
    JSStreamWrongLastMsgIDErr = 10070,
    JSStreamWrongLastSequenceErr = 10071,
    JSTempStorageFailedErr = 10072,
    JSTemplateNameNotMatchSubjectErr = 10073,
    JSStreamReplicasNotSupportedErr = 10074,
    JSPeerRemapErr = 10075,
    JSNotEnabledErr = 10076,
    JSStreamStoreFailedErr = 10077,
    JSConsumerConfigRequiredErr = 10078,
    JSConsumerDeliverToWildcardsErr = 10079,
    JSConsumerPushMaxWaitingErr = 10080,
    JSConsumerDeliverCycleErr = 10081,
    JSConsumerMaxPendingAckPolicyRequiredErr = 10082,
    JSConsumerSmallHeartbeatErr = 10083,
    JSConsumerPullRequiresAckErr = 10084,
    JSConsumerPullNotDurableErr = 10085,
    JSConsumerPullWithRateLimitErr = 10086,
    JSConsumerMaxWaitingNegativeErr = 10087,
    JSConsumerHBRequiresPushErr = 10088,
    JSConsumerFCRequiresPushErr = 10089,
    JSConsumerDirectRequiresPushErr = 10090,
    JSConsumerDirectRequiresEphemeralErr = 10091,
    JSConsumerOnMappedErr = 10092,
    JSConsumerFilterNotSubsetErr = 10093,
    JSConsumerInvalidPolicyErr = 10094,
    JSConsumerInvalidSamplingErr = 10095,
    JSStreamInvalidErr = 10096,
    JSConsumerWQRequiresExplicitAckErr = 10098,
    JSConsumerWQMultipleUnfilteredErr = 10099,
    JSConsumerWQConsumerNotUniqueErr = 10100,
    JSConsumerWQConsumerNotDeliverAllErr = 10101,
    JSConsumerNameTooLongErr = 10102,
    JSConsumerBadDurableNameErr = 10103,
    JSConsumerStoreFailedErr = 10104,
    JSConsumerExistingActiveErr = 10105,
    JSConsumerReplacementWithDifferentNameErr = 10106,
    JSConsumerDescriptionTooLongErr = 10107,
    JSConsumerWithFlowControlNeedsHeartbeatsErr = 10108,
    JSStreamSealedErr = 10109,
    JSStreamPurgeFailedErr = 10110,
    JSStreamRollupFailedErr = 10111,
    JSConsumerInvalidDeliverSubjectErr = 10112,
    JSStreamMaxBytesRequiredErr = 10113,
    JSConsumerMaxRequestBatchNegativeErr = 10114,
    JSConsumerMaxRequestExpiresToSmallErr = 10115,
    JSConsumerMaxDeliverBackoffErr = 10116,
    JSStreamInfoMaxSubjectsErr = 10117,
    JSStreamOfflineErr = 10118,
    JSConsumerOfflineErr = 10119,
    JSNoLimitsErr = 10120,
    JSConsumerMaxPendingAckExcessErr = 10121,
    JSStreamMaxStreamBytesExceededErr = 10122,
    JSStreamMoveAndScaleErr = 10123,
    JSStreamMoveInProgressErr = 10124,
    JSConsumerMaxRequestBatchExceededErr = 10125,
    JSConsumerReplicasExceedsStreamErr = 10126,
    JSConsumerNameContainsPathSeparatorsErr = 10127,
    JSStreamNameContainsPathSeparatorsErr = 10128,
    JSStreamMoveNotInProgressErr = 10129,
    JSStreamNameExistRestoreFailedErr = 10130,
    JSConsumerCreateFilterSubjectMismatchErr = 10131,
    JSConsumerCreateDurableAndNameMismatchErr = 10132,
    JSReplicasCountCannotBeNegativeErr = 10133,
    JSConsumerReplicasShouldMatchStreamErr = 10134,
    JSConsumerMetadataLengthErr = 10135,
    JSConsumerDuplicateFilterSubjectsErr = 10136,
    JSConsumerMultipleFiltersNotAllowedErr = 10137,
    JSConsumerOverlappingSubjectFiltersErr = 10138,
    JSConsumerEmptyFilterErr = 10139,
    JSSourceDuplicateDetectedErr = 10140,
    JSSourceInvalidStreamNameErr = 10141,
    JSMirrorInvalidStreamNameErr = 10142,
    JSSourceMultipleFiltersNotAllowedErr = 10144,
    JSSourceInvalidSubjectFilterErr = 10145,
    JSSourceInvalidTransformDestinationErr = 10146,
    JSSourceOverlappingSubjectFiltersErr = 10147,
    JSConsumerAlreadyExistsErr = 10148,
    JSConsumerDoesNotExistErr = 10149,
    JSMirrorMultipleFiltersNotAllowedErr = 10150,
    JSMirrorInvalidSubjectFilterErr = 10151,
    JSMirrorOverlappingSubjectFiltersErr = 10152,
    JSConsumerInactiveThresholdExcessErr = 10153,
    JSMirrorInvalidTransformDestinationErr = 10154,
    JSStreamTransformInvalidSourceErr = 10155,
    JSStreamTransformInvalidDestinationErr = 10156,
    JSPedanticErr = 10157,
    JSStreamDuplicateMessageConflictErr = 10158,
    JSConsumerPriorityPolicyWithoutGroupErr = 10159,
    JSConsumerInvalidPriorityGroupErr = 10160,
    JSConsumerEmptyGroupNameErr = 10161,
    JSConsumerInvalidGroupNameErr = 10162,
    JSStreamExpectedLastSeqPerSubjectNotReadyErr = 10163,
    JSStreamWrongLastSequenceConstantErr = 10164,
    JSMessageTTLInvalidErr = 10165,
    JSMessageTTLDisabledErr = 10166,
    JSStreamTooManyRequestsErr = 10167,
    JSBatchPublishNotEnabledErr = 10174,
    JSBatchPublishIncompleteErr = 10176,
    JSBatchPublishInvalidIDErr = 10179,
    JSBatchPublishSequenceMissingErr = 10175,
    JSBatchPublishSequenceExceedsLimitErr = 10199,
    JSBatchPublishUnsupportedHeaderErr = 10177,
    JSBatchPublishDuplicateMessageIDErr = 10201,
}

const TEXTS: [&str; natsStatus::NATS_MAX_STATUS_VALUE as usize] = [
    "OK",
    "Error",
    "Protocol Error",
    "IO Error",
    "Line too long",
    "Connection Closed",
    "No server available for connection",
    "Stale Connection",
    "Secure Connection not available",
    "Secure Connection Required",
    "Connection Disconnected",
    "Authentication Violation",
    "Not Permitted",
    "Not Found",
    "TCP Address missing",
    "Invalid Subject",
    "Invalid Argument",
    "Invalid Subscription",
    "Invalid Timeout",
    "Illegal State",
    "Slow Consumer, messages dropped",
    "Maximum Payload Exceeded",
    "Maximum Messages Delivered",
    "Insufficient Buffer",
    "No Memory",
    "System Error",
    "Timeout",
    "Initialization Failed",
    "Not Initialized",
    "SSL Error",
    "Not Supported By Server",
    "Not Yet Connected",
    "Draining in progress",
    "Invalid queue name",
    "No responders available for request",
    "Mismatch",
    "Missed Server Heartbeat",
    "Limit reached",
    "Jetstream Consumer PinID Mismatch",
    "Invalid Configuration",
];

impl natsStatus {
    /// The fixed text of a status, as cnats' `natsStatus_GetText`.
    pub fn text(self) -> &'static str {
        TEXTS.get(self as usize).copied().unwrap_or("Unknown Status")
    }

    /// Converts a raw value received from C (a callback's return) into a
    /// status; values outside the enum become `NATS_ERR`.
    pub fn from_raw(v: i32) -> natsStatus {
        if v >= 0 && v < natsStatus::NATS_MAX_STATUS_VALUE as i32 {
            // SAFETY: repr(C) enum with contiguous discriminants 0..MAX.
            unsafe { std::mem::transmute::<i32, natsStatus>(v) }
        } else {
            natsStatus::NATS_ERR
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_text_and_round_trips() {
        for v in 0..NATS_MAX_STATUS_VALUE as i32 {
            let s = natsStatus::from_raw(v);
            assert_eq!(s as i32, v);
            assert!(!s.text().is_empty());
        }
        assert_eq!(natsStatus::from_raw(-1), NATS_ERR);
        assert_eq!(natsStatus::from_raw(1000), NATS_ERR);
        assert_eq!(NATS_INVALID_CONFIG as i32, 39);
        assert_eq!(NATS_CONNECTION_AUTH_FAILED.text(), "Authentication Violation");
    }
}
