//! Consumer management: `js_AddConsumer`, `js_UpdateConsumer`,
//! `js_GetConsumerInfo`, `js_DeleteConsumer`, `js_Consumers`,
//! `js_ConsumerNames`, `js_PauseConsumer`, `js_ResetConsumer`,
//! `js_UnpinConsumer`.
//!
//! Creation uses the current API (server 2.9+, ADR-1):
//! `CONSUMER.CREATE.<stream>[.<name>[.<filter>]]` with the request's
//! `action` (`create`, `update`, or none for create-or-update). cnats
//! sends no action and still uses `CONSUMER.DURABLE.CREATE` for durables.

use super::stream::{
    check_consumer_name, check_stream_name, collect_pages, dedup_by_name, non_empty, remaining, to_json, NamesPage,
};
use super::time;
use super::types::{
    AckPolicy, ConsumerConfig, ConsumerCreateRequest, ConsumerInfo, ConsumerPauseResponse, ConsumerResetResponse,
    DeliverPolicy, Paged, ReplayPolicy, SuccessResponse,
};
use super::{codes, JetStream, JsOptions};
use crate::error::{Error, Result};
use crate::status::natsStatus::{NATS_ERR, NATS_NOT_FOUND, NATS_TIMEOUT};
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// What a consumer create request may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsumerAction {
    /// Create; fails if a consumer of that name exists with another
    /// configuration (same configuration: returns it).
    Create,
    /// Update; fails if it does not exist.
    Update,
    /// Either (the legacy behaviour).
    CreateOrUpdate,
}

impl ConsumerAction {
    fn wire(self) -> &'static str {
        match self {
            ConsumerAction::Create => "create",
            ConsumerAction::Update => "update",
            ConsumerAction::CreateOrUpdate => "",
        }
    }
}

/// Priority group names: 1 to 16 characters of `A-Z a-z 0-9 - _ / =`
/// (as cnats' check of a "limited term").
pub fn check_group_name(group: &str) -> Result<()> {
    if group.is_empty() {
        return Err(Error::invalid_arg("group name is required"));
    }
    if group.len() > 16 {
        return Err(Error::invalid_arg(format!(
            "invalid group name '{group}' (longer than 16 characters)"
        )));
    }
    if let Some(c) = group
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '=')))
    {
        return Err(Error::invalid_arg(format!(
            "invalid group name '{group}' (cannot contain {c:?})"
        )));
    }
    Ok(())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct InfoListPage {
    #[serde(flatten)]
    page: Paged,
    consumers: Option<Vec<ConsumerInfo>>,
}

#[derive(Serialize)]
struct OffsetRequest {
    offset: u64,
}

#[derive(Serialize)]
struct PauseRequest {
    #[serde(with = "time", skip_serializing_if = "time::is_unset")]
    pause_until: i64,
}

#[derive(Serialize)]
struct ResetRequest {
    seq: u64,
}

#[derive(Serialize)]
struct UnpinRequest<'a> {
    group: &'a str,
}

const CONSUMER_NF: &[u16] = &[codes::CONSUMER_NOT_FOUND];

impl JetStream {
    /// Creates and/or updates a consumer as `action` says. The config's
    /// `name` (else `durable`) names it; neither makes an ephemeral one.
    /// Unset policies are sent as deliver all / ack explicit / replay
    /// instant (cnats' defaults).
    pub fn create_consumer(
        &self,
        stream: &str,
        cfg: &ConsumerConfig,
        action: ConsumerAction,
        opts: Option<&JsOptions>,
    ) -> Result<ConsumerInfo> {
        check_stream_name(stream)?;
        if let Some(n) = non_empty(&cfg.name) {
            check_consumer_name(n, false)?;
        }
        if let Some(d) = non_empty(&cfg.durable) {
            check_consumer_name(d, true)?;
        }
        let o = self.call_opts(opts);
        let mut cfg = cfg.clone();
        cfg.deliver_policy.get_or_insert(DeliverPolicy::All);
        cfg.ack_policy.get_or_insert(AckPolicy::Explicit);
        cfg.replay_policy.get_or_insert(ReplayPolicy::Instant);
        let subject = match cfg.consumer_name() {
            None => format!("CONSUMER.CREATE.{stream}"),
            Some(name) => match non_empty(&cfg.filter_subject) {
                Some(f) if cfg.filter_subjects.is_empty() => format!("CONSUMER.CREATE.{stream}.{name}.{f}"),
                _ => format!("CONSUMER.CREATE.{stream}.{name}"),
            },
        };
        let body = to_json(&ConsumerCreateRequest {
            stream_name: stream,
            config: &cfg,
            action: action.wire(),
        })?;
        let ci: ConsumerInfo = self.api_request(&o, &subject, &body, CONSUMER_NF)?;
        if !cfg.filter_subjects.is_empty() && ci.config.filter_subjects.is_empty() {
            return Err(Error::invalid_arg(
                "multiple consumer filter subjects not supported by the server",
            ));
        }
        Ok(ci)
    }

    /// `js_AddConsumer`: creates the consumer, or updates it when one of
    /// that name exists (no action sent: create-or-update, what cnats'
    /// `js_AddConsumer` does, so a program that re-adds its consumer with
    /// a changed configuration at start-up keeps working).
    pub fn add_consumer(&self, stream: &str, cfg: &ConsumerConfig, opts: Option<&JsOptions>) -> Result<ConsumerInfo> {
        self.create_consumer(stream, cfg, ConsumerAction::CreateOrUpdate, opts)
    }

    /// `js_UpdateConsumer`: updates an existing consumer (action
    /// `update`); the config must name it (durable, or name).
    pub fn update_consumer(
        &self,
        stream: &str,
        cfg: &ConsumerConfig,
        opts: Option<&JsOptions>,
    ) -> Result<ConsumerInfo> {
        if cfg.consumer_name().is_none() {
            return Err(Error::invalid_arg("durable name is required"));
        }
        self.create_consumer(stream, cfg, ConsumerAction::Update, opts)
    }

    /// `js_GetConsumerInfo`.
    pub fn consumer_info(&self, stream: &str, consumer: &str, opts: Option<&JsOptions>) -> Result<ConsumerInfo> {
        check_stream_name(stream)?;
        check_consumer_name(consumer, false)?;
        let o = self.call_opts(opts);
        self.api_request(&o, &format!("CONSUMER.INFO.{stream}.{consumer}"), b"", CONSUMER_NF)
    }

    /// `js_DeleteConsumer`.
    pub fn delete_consumer(&self, stream: &str, consumer: &str, opts: Option<&JsOptions>) -> Result<()> {
        check_stream_name(stream)?;
        check_consumer_name(consumer, false)?;
        let o = self.call_opts(opts);
        let r: SuccessResponse = self.api_request(
            &o,
            &format!("CONSUMER.DELETE.{stream}.{consumer}"),
            b"",
            &[codes::STREAM_NOT_FOUND, codes::CONSUMER_NOT_FOUND],
        )?;
        if !r.success {
            return Err(Error::new(NATS_ERR, format!("failed to delete consumer '{consumer}'")));
        }
        Ok(())
    }

    /// `js_Consumers`: the infos of all consumers of a stream, all pages.
    /// `NATS_NOT_FOUND` when the stream has none or does not exist.
    pub fn consumers(&self, stream: &str, opts: Option<&JsOptions>) -> Result<Vec<ConsumerInfo>> {
        check_stream_name(stream)?;
        let o = self.call_opts(opts);
        let start = Instant::now();
        let subject = format!("CONSUMER.LIST.{stream}");
        let all = collect_pages(|offset| {
            let p: InfoListPage = self.api_request(
                &remaining(&o, start)?,
                &subject,
                &to_json(&OffsetRequest { offset })?,
                &[codes::STREAM_NOT_FOUND],
            )?;
            Ok((p.consumers.unwrap_or_default(), p.page))
        })?;
        let all = dedup_by_name(all, |c: &ConsumerInfo| c.name.as_str());
        if all.is_empty() {
            return Err(Error::status(NATS_NOT_FOUND));
        }
        Ok(all)
    }

    /// `js_ConsumerNames`: like [`JetStream::consumers`], names only.
    pub fn consumer_names(&self, stream: &str, opts: Option<&JsOptions>) -> Result<Vec<String>> {
        check_stream_name(stream)?;
        let o = self.call_opts(opts);
        let start = Instant::now();
        let subject = format!("CONSUMER.NAMES.{stream}");
        let all = collect_pages(|offset| {
            let p: NamesPage = self.api_request(
                &remaining(&o, start)?,
                &subject,
                &to_json(&OffsetRequest { offset })?,
                &[codes::STREAM_NOT_FOUND],
            )?;
            Ok((p.consumers.unwrap_or_default(), p.page))
        })?;
        let all = dedup_by_name(all, |s: &String| s.as_str());
        if all.is_empty() {
            return Err(Error::status(NATS_NOT_FOUND));
        }
        Ok(all)
    }

    /// `js_PauseConsumer`: pauses until `pause_until` (UTC nanoseconds
    /// since the epoch); 0 (or a past time) resumes.
    pub fn pause_consumer(
        &self,
        stream: &str,
        consumer: &str,
        pause_until: u64,
        opts: Option<&JsOptions>,
    ) -> Result<ConsumerPauseResponse> {
        check_stream_name(stream)?;
        check_consumer_name(consumer, false)?;
        let o = self.call_opts(opts);
        let body = to_json(&PauseRequest {
            pause_until: i64::try_from(pause_until).unwrap_or(i64::MAX),
        })?;
        self.api_request(&o, &format!("CONSUMER.PAUSE.{stream}.{consumer}"), &body, CONSUMER_NF)
    }

    /// `js_ResetConsumer`: moves the consumer's position to stream
    /// sequence `seq` (0: back to its ack floor, so that everything not
    /// acknowledged is delivered again). Needs a server that
    /// has the `CONSUMER.RESET` API (2.14+).
    pub fn reset_consumer(
        &self,
        stream: &str,
        consumer: &str,
        seq: u64,
        opts: Option<&JsOptions>,
    ) -> Result<ConsumerResetResponse> {
        check_stream_name(stream)?;
        check_consumer_name(consumer, false)?;
        let o = self.call_opts(opts);
        let body = if seq > 0 {
            to_json(&ResetRequest { seq })?
        } else {
            Vec::new()
        };
        let r = self.api_request(&o, &format!("CONSUMER.RESET.{stream}.{consumer}"), &body, CONSUMER_NF);
        match r {
            // Servers (2.15) do not answer a reset of a consumer or stream
            // that does not exist: say which, rather than a bare timeout.
            Err(e) if e.status == NATS_TIMEOUT => match self.consumer_info(stream, consumer, opts) {
                Err(nf) if matches!(nf.js_code, codes::CONSUMER_NOT_FOUND | codes::STREAM_NOT_FOUND) => Err(nf),
                _ => Err(e),
            },
            r => r,
        }
    }

    /// `js_UnpinConsumer`: unpins the client pinned in priority `group`.
    pub fn unpin_consumer(&self, stream: &str, consumer: &str, group: &str, opts: Option<&JsOptions>) -> Result<()> {
        check_stream_name(stream)?;
        check_consumer_name(consumer, false)?;
        check_group_name(group)?;
        let o = self.call_opts(opts);
        // The server answers a bare `{"type":...}` (no "success" field).
        let _: serde_json::Value = self.api_request(
            &o,
            &format!("CONSUMER.UNPIN.{stream}.{consumer}"),
            &to_json(&UnpinRequest { group })?,
            &[codes::STREAM_NOT_FOUND, codes::CONSUMER_NOT_FOUND],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_names() {
        assert!(check_group_name("A-b_c/d=1").is_ok());
        for bad in ["", "12345678901234567", "a.b", "a b"] {
            assert!(check_group_name(bad).is_err(), "{bad:?}");
        }
    }
}
