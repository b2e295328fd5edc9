//! Stream management: `js_AddStream`, `js_UpdateStream`,
//! `js_GetStreamInfo`, `js_PurgeStream`, `js_DeleteStream`, `js_Streams`,
//! `js_StreamNames`.

use super::types::{Paged, StreamConfig, StreamInfo, SuccessResponse};
use super::{codes, CallOpts, JetStream, JsOptions, PurgeOptions, StreamInfoOptions};
use crate::error::{Error, Result};
use crate::status::natsStatus::{self, NATS_ERR, NATS_NOT_FOUND};
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// The characters a stream or consumer name cannot contain (ADR-6; cnats
/// checks '.' for streams and ". *>" for consumers).
fn bad_name_char(name: &str) -> Option<char> {
    name.chars()
        .find(|c| matches!(c, '.' | '*' | '>') || c.is_whitespace() || c.is_control())
}

/// Checks a stream name: `NATS_INVALID_ARG` when empty or with a '.',
/// '*', '>' or a white space / control character.
pub fn check_stream_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::invalid_arg("stream name is required"));
    }
    if let Some(c) = bad_name_char(name) {
        return Err(Error::invalid_arg(format!(
            "invalid stream name '{name}' (cannot contain {c:?})"
        )));
    }
    Ok(())
}

/// Checks a consumer (or, with `durable`, durable) name.
pub fn check_consumer_name(name: &str, durable: bool) -> Result<()> {
    if name.is_empty() {
        return Err(Error::invalid_arg("consumer name is required"));
    }
    if let Some(c) = bad_name_char(name) {
        let what = if durable { "durable" } else { "consumer" };
        return Err(Error::invalid_arg(format!(
            "invalid {what} name '{name}' (cannot contain {c:?})"
        )));
    }
    Ok(())
}

#[derive(Serialize)]
struct PurgeRequest<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    filter: Option<&'a str>,
    #[serde(skip_serializing_if = "is_zero")]
    seq: u64,
    #[serde(skip_serializing_if = "is_zero")]
    keep: u64,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

#[derive(Serialize)]
struct InfoRequest<'a> {
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    deleted_details: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    subjects_filter: Option<&'a str>,
    #[serde(skip_serializing_if = "is_zero")]
    offset: u64,
}

#[derive(Serialize)]
struct ListRequest<'a> {
    offset: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<&'a str>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct InfoPage {
    #[serde(flatten)]
    info: StreamInfo,
    #[serde(flatten)]
    page: Paged,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct InfoListPage {
    #[serde(flatten)]
    page: Paged,
    streams: Option<Vec<StreamInfo>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct NamesPage {
    #[serde(flatten)]
    pub page: Paged,
    pub streams: Option<Vec<String>>,
    pub consumers: Option<Vec<String>>,
}

pub(crate) fn to_json<T: Serialize>(v: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(v).map_err(|e| Error::new(NATS_ERR, format!("cannot encode the request: {e}")))
}

pub(crate) use super::non_empty;

/// The remaining wait of a paged listing (`NATS_TIMEOUT` once spent):
/// the whole listing runs under one `wait`, as in cnats.
pub(crate) fn remaining(o: &CallOpts, start: Instant) -> Result<CallOpts> {
    let left = o.wait - start.elapsed().as_millis() as i64;
    if left <= 0 {
        return Err(Error::new(natsStatus::NATS_TIMEOUT, "timeout listing"));
    }
    let mut o = o.clone();
    o.wait = left;
    Ok(o)
}

/// Collects a paged list: `fetch(offset)` returns one page's items and
/// paging; stops when `total` items were seen or a page is empty.
pub(crate) fn collect_pages<T>(mut fetch: impl FnMut(u64) -> Result<(Vec<T>, Paged)>) -> Result<Vec<T>> {
    // (Pages may overlap when streams come and go meanwhile: callers
    // dedupe by name with `dedup_by_name`.)
    let mut all = Vec::new();
    let mut offset = 0u64;
    loop {
        let (items, page) = fetch(offset)?;
        let n = items.len() as u64;
        all.extend(items);
        offset += n;
        if n == 0 || offset >= page.total.max(0) as u64 {
            return Ok(all);
        }
    }
}

/// Keeps the last of items with the same name, in first-seen order (a
/// listing may see an item twice when others are created meanwhile).
pub(crate) fn dedup_by_name<T>(items: Vec<T>, name: impl Fn(&T) -> &str) -> Vec<T> {
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for it in items {
        match index.get(name(&it)) {
            Some(&i) => out[i] = it,
            None => {
                index.insert(name(&it).to_string(), out.len());
                out.push(it);
            }
        }
    }
    out
}

impl JetStream {
    fn add_or_update_stream(&self, cfg: &StreamConfig, opts: Option<&JsOptions>, create: bool) -> Result<StreamInfo> {
        check_stream_name(&cfg.name)?;
        let o = self.call_opts(opts);
        let mut cfg = cfg.clone();
        if create {
            convert_domains(&mut cfg)?;
        }
        let body = to_json(&cfg)?;
        let verb = if create { "CREATE" } else { "UPDATE" };
        self.api_request(
            &o,
            &format!("STREAM.{verb}.{}", cfg.name),
            &body,
            &[codes::STREAM_NOT_FOUND],
        )
    }

    /// `js_AddStream`.
    pub fn add_stream(&self, cfg: &StreamConfig, opts: Option<&JsOptions>) -> Result<StreamInfo> {
        self.add_or_update_stream(cfg, opts, true)
    }

    /// `js_UpdateStream`.
    pub fn update_stream(&self, cfg: &StreamConfig, opts: Option<&JsOptions>) -> Result<StreamInfo> {
        self.add_or_update_stream(cfg, opts, false)
    }

    /// `js_GetStreamInfo`: with the call's (else the context's) stream info
    /// options; a subjects filter collects all pages of subjects.
    pub fn stream_info(&self, stream: &str, opts: Option<&JsOptions>) -> Result<StreamInfo> {
        check_stream_name(stream)?;
        let o = self.call_opts(opts);
        let StreamInfoOptions {
            deleted_details,
            subjects_filter,
        } = &o.stream.info;
        let filter = non_empty(subjects_filter);
        let subject = format!("STREAM.INFO.{stream}");
        let mut offset = 0u64;
        let mut first: Option<StreamInfo> = None;
        loop {
            let body = if *deleted_details || filter.is_some() {
                to_json(&InfoRequest {
                    deleted_details: *deleted_details,
                    subjects_filter: filter,
                    offset,
                })?
            } else {
                Vec::new()
            };
            let p: InfoPage = self.api_request(&o, &subject, &body, &[codes::STREAM_NOT_FOUND])?;
            if filter.is_none() {
                return Ok(p.info);
            }
            let got = p.info.state.subjects.as_ref().map_or(0, |s| s.len() as u64);
            offset += got;
            match &mut first {
                None => first = Some(p.info),
                Some(f) => {
                    if let Some(more) = p.info.state.subjects {
                        f.state.subjects.get_or_insert_with(Default::default).extend(more);
                    }
                }
            }
            if got == 0 || offset >= p.page.total.max(0) as u64 {
                return Ok(first.unwrap_or_default());
            }
        }
    }

    /// `js_PurgeStream`: with the call's purge options when any is set,
    /// else the context's. `sequence` and `keep` together are invalid.
    pub fn purge_stream(&self, stream: &str, opts: Option<&JsOptions>) -> Result<()> {
        check_stream_name(stream)?;
        let o = self.call_opts(opts);
        let PurgeOptions {
            subject,
            sequence,
            keep,
        } = &o.stream.purge;
        if *sequence > 0 && *keep > 0 {
            return Err(Error::invalid_arg(format!(
                "Sequence ({sequence}) and Keep ({keep}) are mutually exclusive"
            )));
        }
        let body = if o.stream.purge.is_unset() {
            Vec::new()
        } else {
            to_json(&PurgeRequest {
                filter: non_empty(subject),
                seq: *sequence,
                keep: *keep,
            })?
        };
        let r: SuccessResponse = self.api_request(
            &o,
            &format!("STREAM.PURGE.{stream}"),
            &body,
            &[codes::STREAM_NOT_FOUND, codes::CONSUMER_NOT_FOUND],
        )?;
        if !r.success {
            return Err(Error::new(NATS_ERR, format!("failed to purge stream '{stream}'")));
        }
        Ok(())
    }

    /// `js_DeleteStream`.
    pub fn delete_stream(&self, stream: &str, opts: Option<&JsOptions>) -> Result<()> {
        check_stream_name(stream)?;
        let o = self.call_opts(opts);
        let r: SuccessResponse = self.api_request(
            &o,
            &format!("STREAM.DELETE.{stream}"),
            b"",
            &[codes::STREAM_NOT_FOUND, codes::CONSUMER_NOT_FOUND],
        )?;
        if !r.success {
            return Err(Error::new(NATS_ERR, format!("failed to delete stream '{stream}'")));
        }
        Ok(())
    }

    /// `js_Streams`: the infos of all streams (of those with a subject
    /// matching the stream info options' subjects filter), all pages.
    /// `NATS_NOT_FOUND` when there are none.
    pub fn streams(&self, opts: Option<&JsOptions>) -> Result<Vec<StreamInfo>> {
        let o = self.call_opts(opts);
        let filter = non_empty(&o.stream.info.subjects_filter);
        let start = Instant::now();
        let all = collect_pages(|offset| {
            let body = to_json(&ListRequest {
                offset,
                subject: filter,
            })?;
            let p: InfoListPage =
                self.api_request(&remaining(&o, start)?, "STREAM.LIST", &body, &[codes::STREAM_NOT_FOUND])?;
            Ok((p.streams.unwrap_or_default(), p.page))
        })?;
        let all = dedup_by_name(all, |s: &StreamInfo| s.config.name.as_str());
        if all.is_empty() {
            return Err(Error::status(NATS_NOT_FOUND));
        }
        Ok(all)
    }

    /// `js_StreamNames`: like [`JetStream::streams`], names only.
    pub fn stream_names(&self, opts: Option<&JsOptions>) -> Result<Vec<String>> {
        let o = self.call_opts(opts);
        let filter = non_empty(&o.stream.info.subjects_filter);
        let start = Instant::now();
        let all = collect_pages(|offset| {
            let body = to_json(&ListRequest {
                offset,
                subject: filter,
            })?;
            let p: NamesPage = self.api_request(
                &remaining(&o, start)?,
                "STREAM.NAMES",
                &body,
                &[codes::STREAM_NOT_FOUND],
            )?;
            Ok((p.streams.unwrap_or_default(), p.page))
        })?;
        let all = dedup_by_name(all, |s: &String| s.as_str());
        if all.is_empty() {
            return Err(Error::status(NATS_NOT_FOUND));
        }
        Ok(all)
    }
}

/// On stream creation, a mirror's or source's domain becomes an external
/// API prefix `$JS.<domain>.API` (both set is invalid), as cnats does.
fn convert_domains(cfg: &mut StreamConfig) -> Result<()> {
    fn conv(s: &mut super::types::StreamSource, what: &str) -> Result<()> {
        if let Some(d) = s.domain.as_deref().filter(|d| !d.is_empty()) {
            if s.external.is_some() {
                return Err(Error::invalid_arg(format!("{what}'s domain and external are both set")));
            }
            s.external = Some(super::types::ExternalStream {
                api_prefix: format!("$JS.{d}.API"),
                deliver_prefix: None,
            });
        }
        Ok(())
    }
    if let Some(m) = cfg.mirror.as_mut() {
        conv(m, "mirror")?;
    }
    for s in cfg.sources.iter_mut() {
        conv(s, "source")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(check_stream_name("ORDERS-1_x").is_ok());
        for bad in ["", "a.b", "a b", "a*", "a>", "a\tb"] {
            let e = check_stream_name(bad).unwrap_err();
            assert_eq!(e.status, natsStatus::NATS_INVALID_ARG, "{bad:?}");
        }
        assert_eq!(check_stream_name("").unwrap_err().text, "stream name is required");
        assert!(check_consumer_name("dur", true).is_ok());
        let e = check_consumer_name("d.x", true).unwrap_err();
        assert_eq!(e.text, "invalid durable name 'd.x' (cannot contain '.')");
    }

    #[test]
    fn paging_stops_on_total_or_empty_page() {
        let mut calls = Vec::new();
        let all = collect_pages(|off| {
            calls.push(off);
            let items: Vec<u64> = (off..(off + 3).min(7)).collect();
            Ok((
                items,
                Paged {
                    total: 7,
                    offset: off as i64,
                    limit: 3,
                },
            ))
        })
        .unwrap();
        assert_eq!(all, (0..7).collect::<Vec<_>>());
        assert_eq!(calls, [0, 3, 6]);
        // A server that reports more than it gives does not loop forever.
        let all = collect_pages(|off| {
            Ok((
                if off == 0 { vec![1] } else { vec![] },
                Paged {
                    total: 100,
                    ..Paged::default()
                },
            ))
        })
        .unwrap();
        assert_eq!(all, [1]);
    }

    #[test]
    fn dedup_keeps_the_last_in_first_order() {
        let v = vec![("a", 1), ("b", 2), ("a", 3)];
        assert_eq!(dedup_by_name(v, |t| t.0), [("a", 3), ("b", 2)]);
    }

    #[test]
    fn domain_becomes_external() {
        let mut cfg = StreamConfig {
            name: "M".into(),
            mirror: Some(super::super::types::StreamSource {
                name: "O".into(),
                domain: Some("hub".into()),
                ..Default::default()
            }),
            ..StreamConfig::default()
        };
        convert_domains(&mut cfg).unwrap();
        let v = serde_json::to_value(&cfg).unwrap();
        assert_eq!(
            v["mirror"],
            serde_json::json!({"name":"O","external":{"api":"$JS.hub.API"}})
        );
        cfg.mirror.as_mut().unwrap().domain = Some("x".into());
        assert_eq!(
            convert_domains(&mut cfg).unwrap_err().status,
            natsStatus::NATS_INVALID_ARG
        );
    }
}
