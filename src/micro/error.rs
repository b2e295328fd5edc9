//! `microError`: a service error with an optional NATS status, an optional
//! service error code and a chain of causes.

use crate::status::natsStatus;
use std::fmt;

/// A services-framework error (cnats' `microError`).
///
/// `status` is `NATS_OK` for an application error (`micro_Errorf`);
/// `code` is the service error code sent in `Nats-Service-Error-Code`
/// (0: none); `cause` is the wrapped error (`microError_Wrapf`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MicroError {
    pub status: natsStatus,
    pub code: i32,
    pub message: String,
    pub cause: Option<Box<MicroError>>,
}

impl MicroError {
    /// An application error (`micro_Errorf`).
    pub fn new(message: impl Into<String>) -> MicroError {
        MicroError {
            status: natsStatus::NATS_OK,
            code: 0,
            message: message.into(),
            cause: None,
        }
    }

    /// An application error with a service error code (`micro_ErrorfCode`).
    pub fn with_code(code: i32, message: impl Into<String>) -> MicroError {
        MicroError {
            code,
            ..MicroError::new(message)
        }
    }

    /// The error of a status (`micro_ErrorFromStatus`): `None` for `NATS_OK`.
    pub fn from_status(s: natsStatus) -> Option<MicroError> {
        if s == natsStatus::NATS_OK {
            return None;
        }
        Some(MicroError {
            status: s,
            code: 0,
            message: s.text().to_string(),
            cause: None,
        })
    }

    /// A status error with its own text (the core's [`crate::Error`]).
    pub fn from_error(e: &crate::Error) -> MicroError {
        MicroError {
            status: e.status,
            code: 0,
            message: e.text.clone(),
            cause: None,
        }
    }

    /// The invalid-argument error (`micro_ErrorInvalidArg`).
    pub fn invalid_arg() -> MicroError {
        MicroError {
            status: natsStatus::NATS_INVALID_ARG,
            code: 0,
            message: "invalid function argument".into(),
            cause: None,
        }
    }

    /// An invalid-argument error with a specific text, wrapping
    /// [`MicroError::invalid_arg`].
    pub fn invalid_arg_with(message: impl Into<String>) -> MicroError {
        MicroError::invalid_arg().wrap(message)
    }

    /// A new error whose cause is `self` (`microError_Wrapf`).
    pub fn wrap(self, message: impl Into<String>) -> MicroError {
        MicroError {
            status: natsStatus::NATS_OK,
            code: 0,
            message: message.into(),
            cause: Some(Box::new(self)),
        }
    }

    /// The first non-OK status along the chain (`microError_Status`).
    pub fn status(&self) -> natsStatus {
        let mut e = Some(self);
        while let Some(x) = e {
            if x.status != natsStatus::NATS_OK {
                return x.status;
            }
            e = x.cause.as_deref();
        }
        natsStatus::NATS_OK
    }

    /// The first non-zero service error code along the chain
    /// (`microError_Code`).
    pub fn code(&self) -> i32 {
        let mut e = Some(self);
        while let Some(x) = e {
            if x.code != 0 {
                return x.code;
            }
            e = x.cause.as_deref();
        }
        0
    }
}

/// `microError_String`'s text: `[status N: ][code N: ]message[: cause…]`.
impl fmt::Display for MicroError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.status != natsStatus::NATS_OK {
            write!(f, "status {}: ", self.status as u32)?;
        }
        if self.code != 0 {
            write!(f, "code {}: ", self.code)?;
        }
        f.write_str(&self.message)?;
        if let Some(c) = &self.cause {
            write!(f, ": {c}")?;
        }
        Ok(())
    }
}

impl std::error::Error for MicroError {}

impl From<crate::Error> for MicroError {
    fn from(e: crate::Error) -> MicroError {
        MicroError::from_error(&e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_status_code_and_chain() {
        let e = MicroError::with_code(400, "bad input");
        assert_eq!(e.to_string(), "code 400: bad input");
        assert_eq!(e.code(), 400);
        assert_eq!(e.status(), natsStatus::NATS_OK);
        let w = MicroError::from_status(natsStatus::NATS_TIMEOUT)
            .unwrap()
            .wrap("request failed");
        assert_eq!(w.status(), natsStatus::NATS_TIMEOUT);
        assert_eq!(w.code(), 0);
        assert_eq!(
            w.to_string(),
            format!("request failed: status {}: Timeout", natsStatus::NATS_TIMEOUT as u32)
        );
        assert!(MicroError::from_status(natsStatus::NATS_OK).is_none());
        assert_eq!(MicroError::invalid_arg().status(), natsStatus::NATS_INVALID_ARG);
    }
}
