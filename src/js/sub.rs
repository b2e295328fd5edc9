//! What push and pull subscriptions share: cnats' `jsSubOptions`, finding
//! the stream and the consumer to bind to or create, deleting the
//! consumer the library created, and `natsSubscription_GetConsumerInfo`.

use super::stream::non_empty;
use super::types::{ConsumerConfig, ConsumerInfo, DeliverPolicy};
use super::{JetStream, JsOptions};
use crate::conn::sub::Subscription;
use crate::conn::sub_hook::ConsumerRef;
use crate::conn::Connection;
use crate::error::{Error, Result};
use crate::status::natsStatus::*;
use std::sync::Arc;

/// cnats' `jsSubOptions`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubOptions {
    /// The stream (else looked up from the first subject).
    pub stream: Option<String>,
    /// Bind to this existing consumer (with `stream`: it must exist).
    pub consumer: Option<String>,
    /// Queue group (deliver group); also the durable name when none is
    /// given.
    pub queue: Option<String>,
    /// No auto-ack after the callback returns.
    pub manual_ack: bool,
    /// The consumer configuration to create (or to check an existing
    /// consumer against).
    pub config: ConsumerConfig,
    /// An ordered consumer (ADR-17).
    pub ordered: bool,
}

/// cnats' error texts for subscriptions.
pub(crate) mod errs {
    pub const NO_STREAM: &str = "no stream matches subject";
    pub const PULL_TO_PUSH: &str = "cannot pull subscribe to push based consumer";
    pub const PULL_REQUIRED: &str = "must use pull subscribe to bind to pull based consumer";
    pub const NOT_PULL: &str = "not a JetStream pull subscription";
    pub const NOT_FOR_PULL: &str = "not applicable to JetStream pull subscriptions";
    pub const CONCURRENT_FETCH: &str = "concurrent fetch request not allowed";
}

/// JetStream error codes of a create race (another subscriber created the
/// durable first).
pub(crate) const CONSUMER_NAME_EXISTS: u16 = 10013;
pub(crate) const CONSUMER_EXISTING_ACTIVE: u16 = 10105;

/// The consumer a subscription will read from.
pub(crate) struct Resolved {
    pub stream: String,
    /// The consumer's info when it exists (bound).
    pub info: Option<ConsumerInfo>,
    /// The configuration to create when it does not.
    pub create: Option<ConsumerConfig>,
}

impl JetStream {
    /// The context options as a [`JsOptions`] overridden by `call` (the
    /// prefix and wait a subscription keeps).
    pub(crate) fn sub_ref_opts(&self, call: Option<&JsOptions>) -> (String, i64) {
        let o = self.call_opts(call);
        (o.prefix, o.wait)
    }

    /// The name of the stream with a subject matching `subject`.
    pub(crate) fn stream_by_subject(&self, subject: &str, call: Option<&JsOptions>) -> Result<String> {
        let mut o = call.cloned().unwrap_or_default();
        o.stream.info.subjects_filter = Some(subject.to_string());
        match self.stream_names(Some(&o)) {
            Ok(names) => names
                .into_iter()
                .next()
                .ok_or_else(|| Error::new(NATS_ERR, errs::NO_STREAM)),
            Err(e) if e.status == NATS_NOT_FOUND => Err(Error::new(NATS_ERR, errs::NO_STREAM)),
            Err(e) => Err(e),
        }
    }

    /// Finds the stream and the consumer for a pull (`pull`) or push
    /// subscription on `subjects`, as cnats does: the stream from the
    /// options or looked up by the first subject; the consumer from the
    /// options or the durable name, looked up; if it does not exist (and
    /// is not bound by stream + consumer), the configuration to create.
    pub(crate) fn resolve_consumer(
        &self,
        subjects: &[&str],
        durable: Option<&str>,
        pull: bool,
        call: Option<&JsOptions>,
        opts: &SubOptions,
    ) -> Result<Resolved> {
        if opts.config.inactive_threshold < 0 {
            return Err(Error::invalid_arg(format!(
                "invalid InactiveThreshold value ({}), needs to be greater or equal to 0",
                opts.config.inactive_threshold
            )));
        }
        let mut cfg = opts.config.clone();
        if cfg.opt_start_seq > 0 {
            cfg.deliver_policy = Some(DeliverPolicy::ByStartSequence);
        }
        if cfg.opt_start_time > 0 {
            cfg.deliver_policy = Some(DeliverPolicy::ByStartTime);
        }
        let subjects: Vec<&str> = subjects.iter().copied().filter(|s| !s.is_empty()).collect();
        let stream_opt = non_empty(&opts.stream);
        let consumer_opt = non_empty(&opts.consumer);
        let bound = stream_opt.is_some() && consumer_opt.is_some();
        if subjects.is_empty() && !bound {
            return Err(Error::invalid_arg("subject required"));
        }
        let durable = durable.filter(|d| !d.is_empty()).or(non_empty(&cfg.durable));
        if let Some(d) = durable {
            super::check_consumer_name(d, true)?;
        }
        let consumer = consumer_opt.or(durable);
        let stream = match stream_opt {
            Some(s) => s.to_string(),
            None => self.stream_by_subject(subjects[0], call)?,
        };
        if let Some(c) = consumer {
            match self.consumer_info(&stream, c, call) {
                Ok(info) => {
                    check_bound(&info, pull, &subjects, &cfg)?;
                    return Ok(Resolved {
                        stream,
                        info: Some(info),
                        create: None,
                    });
                }
                Err(e) if e.status == NATS_NOT_FOUND && !bound => {}
                Err(e) => return Err(e),
            }
        }
        match subjects.len() {
            1 => cfg.filter_subject = Some(subjects[0].to_string()),
            _ => cfg.filter_subjects = subjects.iter().map(|s| s.to_string()).collect(),
        }
        cfg.durable = durable.map(str::to_string);
        Ok(Resolved {
            stream,
            info: None,
            create: Some(cfg),
        })
    }

    /// Creates the consumer of `r` (when it is to be created); a create
    /// race with another subscriber binds to the winner's consumer.
    /// Returns its info and whether this call created it.
    pub(crate) fn create_resolved(
        &self,
        r: &Resolved,
        pull: bool,
        subjects: &[&str],
        call: Option<&JsOptions>,
    ) -> Result<(ConsumerInfo, bool)> {
        if let Some(i) = &r.info {
            return Ok((i.clone(), false));
        }
        let cfg = r.create.as_ref().ok_or_else(|| Error::new(NATS_ERR, "no consumer"))?;
        match self.add_consumer(&r.stream, cfg, call) {
            Ok(i) => Ok((i, true)),
            Err(e) if matches!(e.js_code, CONSUMER_NAME_EXISTS | CONSUMER_EXISTING_ACTIVE) => {
                let name = cfg.consumer_name().unwrap_or_default().to_string();
                let info = self.consumer_info(&r.stream, &name, call)?;
                check_bound(&info, pull, subjects, cfg)?;
                Ok((info, false))
            }
            Err(e) => Err(e),
        }
    }
}

/// cnats' checks of an existing consumer against the subscription (for a
/// pull subscription, also the user's configuration, `_checkConfig`).
fn check_bound(info: &ConsumerInfo, pull: bool, subjects: &[&str], user: &ConsumerConfig) -> Result<()> {
    let c = &info.config;
    let mut filters: Vec<&str> = c.filter_subjects.iter().map(String::as_str).collect();
    if filters.is_empty() {
        if let Some(f) = non_empty(&c.filter_subject) {
            filters.push(f);
        }
    }
    if !subjects.is_empty() && !filters.is_empty() && !subjects.iter().all(|s| filters.contains(s)) {
        return Err(if subjects.len() == 1 && filters.len() == 1 {
            Error::new(
                NATS_ERR,
                format!(
                    "subject '{}' does not match consumer filter subject '{}'.",
                    subjects[0], filters[0]
                ),
            )
        } else {
            Error::new(
                NATS_ERR,
                format!("{} subjects do not match any consumer filter subjects.", subjects.len()),
            )
        });
    }
    let push = non_empty(&c.deliver_subject).is_some();
    if pull && push {
        return Err(Error::new(NATS_ERR, errs::PULL_TO_PUSH));
    }
    if !pull && !push {
        return Err(Error::new(NATS_ERR, errs::PULL_REQUIRED));
    }
    if pull {
        super::push::check_config(c, user)?;
    }
    Ok(())
}

/// A JetStream context with a subscription's prefix and wait (the
/// subscription does not keep the user's context).
pub(crate) fn context_for(conn: Arc<Connection>, prefix: &str, wait: i64) -> Result<JetStream> {
    JetStream::new(
        conn,
        Some(&JsOptions {
            prefix: Some(prefix.to_string()),
            wait,
            ..Default::default()
        }),
    )
}

/// Deletes a consumer the library created (cnats' `jsSub_deleteConsumer`):
/// not found is `NATS_NOT_FOUND` "failed to delete consumer '<name>': not
/// found".
pub(crate) fn delete_consumer(conn: Arc<Connection>, r: &ConsumerRef) -> Result<()> {
    let js = context_for(conn, &r.prefix, r.wait_ms)?;
    match js.delete_consumer(&r.stream, &r.consumer, None) {
        Err(e) if e.status == NATS_NOT_FOUND => Err(Error::new(
            NATS_NOT_FOUND,
            format!("failed to delete consumer '{}': not found", r.consumer),
        )),
        r => r,
    }
}

/// `natsSubscription_GetConsumerInfo`: the info of the consumer a
/// JetStream subscription reads from (`call`: per-call options, as
/// `js_GetConsumerInfo`); as cnats, also once the subscription is closed
/// (the consumer may be gone: `NATS_NOT_FOUND`). Not a JetStream
/// subscription: `NATS_INVALID_SUBSCRIPTION`.
pub fn consumer_info(sub: &Subscription, call: Option<&JsOptions>) -> Result<ConsumerInfo> {
    let r = sub
        .js_hook()
        .and_then(|h| h.consumer_ref())
        .ok_or_else(|| Error::status(NATS_INVALID_SUBSCRIPTION))?;
    let conn = sub.connection().ok_or_else(|| Error::status(NATS_CONNECTION_CLOSED))?;
    let js = context_for(conn, &r.prefix, r.wait_ms)?;
    js.consumer_info(&r.stream, &r.consumer, call)
}
