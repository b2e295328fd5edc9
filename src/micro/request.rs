//! A request delivered to an endpoint's handler (`microRequest`).

use super::service::{Endpoint, Service};
use super::{MicroError, ERROR_CODE_HDR, ERROR_HDR, STATUS_HDR};
use crate::conn::Connection;
use crate::msg::Msg;
use crate::proto::headers::Headers;
use crate::status::natsStatus;
use std::sync::Arc;

/// One request: the received message, its service and endpoint.
pub struct Request {
    msg: Box<Msg>,
    service: Arc<Service>,
    endpoint: Arc<Endpoint>,
    responded: bool,
    /// The request's error has been counted in the endpoint's statistics.
    pub(crate) error_counted: bool,
}

impl Request {
    pub(crate) fn new(msg: Box<Msg>, service: Arc<Service>, endpoint: Arc<Endpoint>) -> Request {
        Request {
            msg,
            service,
            endpoint,
            responded: false,
            error_counted: false,
        }
    }

    pub fn msg(&self) -> &Msg {
        &self.msg
    }
    /// The message, for its headers (`microRequest_SetHeader` & co change
    /// the request's own message, as in cnats).
    pub fn msg_mut(&mut self) -> &mut Msg {
        &mut self.msg
    }
    pub fn subject(&self) -> &[u8] {
        self.msg.subject()
    }
    pub fn reply(&self) -> Option<&[u8]> {
        self.msg.reply()
    }
    pub fn data(&self) -> &[u8] {
        self.msg.data()
    }
    pub fn service(&self) -> &Arc<Service> {
        &self.service
    }
    pub fn endpoint(&self) -> &Arc<Endpoint> {
        &self.endpoint
    }
    pub fn connection(&self) -> &Arc<Connection> {
        self.service.connection()
    }
    /// The service configuration's opaque `State`.
    pub fn service_state(&self) -> usize {
        self.service.state()
    }
    /// The endpoint configuration's opaque `State`.
    pub fn endpoint_state(&self) -> usize {
        self.endpoint.state()
    }
    /// Whether a response has been sent.
    pub fn responded(&self) -> bool {
        self.responded
    }

    /// `microRequest_Respond`.
    pub fn respond(&mut self, data: &[u8]) -> Result<(), MicroError> {
        self.respond_custom(None, data)
    }

    /// `microRequest_RespondError`: an empty response with the error
    /// headers; the error is counted.
    pub fn respond_error(&mut self, err: &MicroError) -> Result<(), MicroError> {
        self.respond_custom(Some(err), b"")
    }

    /// `microRequest_RespondCustom`: `data` with, when `err` is given, the
    /// headers `Nats-Status` (when the error carries a status),
    /// `Nats-Service-Error` (its message) and `Nats-Service-Error-Code`
    /// (its code). The error is counted once per request.
    pub fn respond_custom(&mut self, err: Option<&MicroError>, data: &[u8]) -> Result<(), MicroError> {
        let wrap = |e: MicroError| e.wrap("microRequest_RespondErrorWithData failed");
        let Some(reply) = self.msg.reply().filter(|r| !r.is_empty()).map(<[u8]>::to_vec) else {
            if let Some(e) = err {
                self.endpoint.record_error(e, &mut self.error_counted);
            }
            return Err(wrap(MicroError::invalid_arg_with("the request has no reply subject")));
        };
        let mut hdr_block = None;
        if let Some(e) = err {
            self.endpoint.record_error(e, &mut self.error_counted);
            let mut h = Headers::new();
            let st = e.status();
            let mut set = |k: &str, v: &str| {
                // A value with CR/LF would break the header block: send it
                // on one line.
                let v: String = v
                    .chars()
                    .map(|c| if c == '\r' || c == '\n' || c == '\0' { ' ' } else { c })
                    .collect();
                h.set(k.as_bytes(), v.as_bytes())
            };
            if st != natsStatus::NATS_OK {
                set(STATUS_HDR, st.text()).map_err(|e| wrap(e.into()))?;
            }
            set(ERROR_HDR, &e.message).map_err(|e| wrap(e.into()))?;
            // The error's own code, as its own message above (cnats: a
            // wrapping error's code is its own, usually 0).
            set(ERROR_CODE_HDR, &e.code.to_string()).map_err(|e| wrap(e.into()))?;
            hdr_block = Some(h.to_bytes());
        }
        self.connection()
            .publish(&reply, None, hdr_block.as_deref(), data)
            .map_err(|e| wrap(e.into()))?;
        self.responded = true;
        Ok(())
    }
}
