//! `jsAssetsGroup`: streams, consumers, stored messages and the account.
//!
//! Every function with a `jsErrCode *errCode` output sets it to 0, then to
//! the server's JetStream error code on failure (NULL is allowed). Returned
//! structs are allocated by the library (`js_convert`) and freed by their
//! `_Destroy`; a returned message is the caller's, freed with
//! `natsMsg_Destroy`.

use super::cstr;
use super::handle::box_into_raw;
use super::js::{js_ref, not_found_is_answer, options_from_c, with_err_code};
use super::js_convert::{self as cv, free, names_to_c};
use super::js_types::*;
use super::msg::natsMsg;
use super::{guard, guard_or, not_null, write_out};
use crate::error::{Error, Result};
use crate::js::codes;
use crate::js::types::StoredMsg;
use crate::status::natsStatus;
use libc::c_char;

/// Writes `v` to an optional output (NULL: `drop_it` frees `v`).
///
/// # Safety
/// `out` is NULL or writable storage for a `*mut T`.
unsafe fn put_opt<T>(out: *mut *mut T, v: *mut T, drop_it: unsafe fn(*mut T)) {
    if out.is_null() {
        // SAFETY: `v` was just made by the matching allocation function.
        unsafe { drop_it(v) };
    } else {
        // SAFETY: non-NULL output of the program (contract).
        unsafe { write_out(out, v) };
    }
}

/// A message for the program from a stored one (subject, headers, data).
fn msg_out(m: StoredMsg, out: *mut *mut natsMsg) -> Result<()> {
    let msg = m.to_msg()?;
    // SAFETY: `out` was checked for NULL by the caller; C's output.
    unsafe { write_out(out, box_into_raw::<natsMsg>(msg)) };
    Ok(())
}

// ---------------------------------------------------------------------
// Streams

/// Creates a stream from `cfg`; its info goes to `*si` (NULL: not wanted).
#[no_mangle]
pub unsafe extern "C" fn js_AddStream(
    si: *mut *mut jsStreamInfo,
    js: *mut jsCtx,
    cfg: *mut jsStreamConfig,
    opts: *mut jsOptions,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: the program's pointers are NULL (refused or "not wanted") or
    // valid as cnats documents them for this call.
    guard("js_AddStream", || unsafe {
        with_err_code(errCode, || {
            let js = js_ref(js)?;
            let c = cfg
                .as_ref()
                .ok_or_else(|| Error::invalid_arg("stream configuration required"))?;
            let cfg = cv::stream_config_from_c(c)?;
            let o = options_from_c(opts)?;
            let info = js.add_stream(&cfg, o.as_ref())?;
            put_opt(si, cv::stream_info_to_c(&info), cv::free_stream_info);
            Ok(())
        })
    })
}

/// Updates a stream from `cfg`; its info goes to `*si` (NULL: not wanted).
#[no_mangle]
pub unsafe extern "C" fn js_UpdateStream(
    si: *mut *mut jsStreamInfo,
    js: *mut jsCtx,
    cfg: *mut jsStreamConfig,
    opts: *mut jsOptions,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: as for js_AddStream.
    guard("js_UpdateStream", || unsafe {
        with_err_code(errCode, || {
            let js = js_ref(js)?;
            let c = cfg
                .as_ref()
                .ok_or_else(|| Error::invalid_arg("stream configuration required"))?;
            let cfg = cv::stream_config_from_c(c)?;
            let o = options_from_c(opts)?;
            let info = js.update_stream(&cfg, o.as_ref())?;
            put_opt(si, cv::stream_info_to_c(&info), cv::free_stream_info);
            Ok(())
        })
    })
}

/// Purges a stream: all of it, or as `opts->Stream.Purge` says (subject
/// filter, up to a sequence, keep the last N).
#[no_mangle]
pub unsafe extern "C" fn js_PurgeStream(
    js: *mut jsCtx,
    stream: *const c_char,
    opts: *mut jsOptions,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: the program's pointers are NULL (refused) or valid for the call.
    guard("js_PurgeStream", || unsafe {
        let r = with_err_code(errCode, || {
            let js = js_ref(js)?;
            let stream = cstr::str(stream, "stream")?;
            let o = options_from_c(opts)?;
            js.purge_stream(stream, o.as_ref())
        });
        not_found_is_answer(r, Some(codes::STREAM_NOT_FOUND))
    })
}

/// Deletes a stream.
#[no_mangle]
pub unsafe extern "C" fn js_DeleteStream(
    js: *mut jsCtx,
    stream: *const c_char,
    opts: *mut jsOptions,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: the program's pointers are NULL (refused) or valid for the call.
    guard("js_DeleteStream", || unsafe {
        let r = with_err_code(errCode, || {
            let js = js_ref(js)?;
            let stream = cstr::str(stream, "stream")?;
            let o = options_from_c(opts)?;
            js.delete_stream(stream, o.as_ref())
        });
        not_found_is_answer(r, Some(codes::STREAM_NOT_FOUND))
    })
}

/// Gets a stream's info (with deleted details / subjects as
/// `opts->Stream.Info` asks); `NATS_NOT_FOUND` when there is no such stream.
#[no_mangle]
pub unsafe extern "C" fn js_GetStreamInfo(
    si: *mut *mut jsStreamInfo,
    js: *mut jsCtx,
    stream: *const c_char,
    opts: *mut jsOptions,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: the program's pointers are NULL (refused) or valid for the call.
    guard("js_GetStreamInfo", || unsafe {
        let r = with_err_code(errCode, || {
            not_null(si, "si")?;
            let js = js_ref(js)?;
            let stream = cstr::str(stream, "stream")?;
            let o = options_from_c(opts)?;
            let info = js.stream_info(stream, o.as_ref())?;
            write_out(si, cv::stream_info_to_c(&info));
            Ok(())
        });
        not_found_is_answer(r, None)
    })
}

/// Frees a stream info returned by the library (NULL is ignored).
#[no_mangle]
pub unsafe extern "C" fn jsStreamInfo_Destroy(si: *mut jsStreamInfo) {
    // SAFETY: NULL or an info from this library, given up by the program.
    guard_or("jsStreamInfo_Destroy", (), || unsafe {
        cv::free_stream_info(si);
        Ok(())
    })
}

/// Lists the infos of all streams; `NATS_NOT_FOUND` when there are none.
#[no_mangle]
pub unsafe extern "C" fn js_Streams(
    list: *mut *mut jsStreamInfoList,
    js: *mut jsCtx,
    opts: *mut jsOptions,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: the program's pointers are NULL (refused) or valid for the call.
    guard("js_Streams", || unsafe {
        with_err_code(errCode, || {
            not_null(list, "list")?;
            let js = js_ref(js)?;
            let o = options_from_c(opts)?;
            let all = js.streams(o.as_ref())?;
            let (l, n) = cv::array(all.iter().map(cv::stream_info_to_c).collect());
            write_out(list, cv::boxed(jsStreamInfoList { List: l, Count: n }));
            Ok(())
        })
    })
}

/// Frees a list from `js_Streams` and its infos (NULL is ignored).
#[no_mangle]
pub unsafe extern "C" fn jsStreamInfoList_Destroy(list: *mut jsStreamInfoList) {
    // SAFETY: NULL or a list from this library, given up by the program.
    guard_or("jsStreamInfoList_Destroy", (), || unsafe {
        if let Some(l) = list.as_ref() {
            if !l.List.is_null() {
                for i in 0..l.Count.max(0) as usize {
                    cv::free_stream_info(*l.List.add(i));
                }
                free(l.List);
            }
            free(list);
        }
        Ok(())
    })
}

/// Lists the names of all streams; `NATS_NOT_FOUND` when there are none.
#[no_mangle]
pub unsafe extern "C" fn js_StreamNames(
    list: *mut *mut jsStreamNamesList,
    js: *mut jsCtx,
    opts: *mut jsOptions,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: the program's pointers are NULL (refused) or valid for the call.
    guard("js_StreamNames", || unsafe {
        with_err_code(errCode, || {
            not_null(list, "list")?;
            let js = js_ref(js)?;
            let o = options_from_c(opts)?;
            let names = js.stream_names(o.as_ref())?;
            let (l, n) = names_to_c(&names);
            write_out(list, cv::boxed(jsStreamNamesList { List: l, Count: n }));
            Ok(())
        })
    })
}

/// Frees a list from `js_StreamNames` (NULL is ignored).
#[no_mangle]
pub unsafe extern "C" fn jsStreamNamesList_Destroy(list: *mut jsStreamNamesList) {
    // SAFETY: NULL or a list from this library, given up by the program.
    guard_or("jsStreamNamesList_Destroy", (), || unsafe {
        if let Some(l) = list.as_ref() {
            cv::free_names(l.List, l.Count);
            free(list);
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------
// Stored messages

/// Gets the message at sequence `seq` of `stream` (the program destroys it).
#[no_mangle]
pub unsafe extern "C" fn js_GetMsg(
    msg: *mut *mut natsMsg,
    js: *mut jsCtx,
    stream: *const c_char,
    seq: u64,
    opts: *mut jsOptions,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: the program's pointers are NULL (refused) or valid for the call.
    guard("js_GetMsg", || unsafe {
        with_err_code(errCode, || {
            not_null(msg, "msg")?;
            let js = js_ref(js)?;
            let stream = cstr::str(stream, "stream")?;
            let o = options_from_c(opts)?;
            msg_out(js.get_msg(stream, seq, o.as_ref())?, msg)
        })
    })
}

/// Gets the last message of `stream` on `subject` (the program destroys it).
#[no_mangle]
pub unsafe extern "C" fn js_GetLastMsg(
    msg: *mut *mut natsMsg,
    js: *mut jsCtx,
    stream: *const c_char,
    subject: *const c_char,
    opts: *mut jsOptions,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: the program's pointers are NULL (refused) or valid for the call.
    guard("js_GetLastMsg", || unsafe {
        with_err_code(errCode, || {
            not_null(msg, "msg")?;
            let js = js_ref(js)?;
            let stream = cstr::str(stream, "stream")?;
            let subject = cstr::str(subject, "subject")?;
            let o = options_from_c(opts)?;
            msg_out(js.get_last_msg(stream, subject, o.as_ref())?, msg)
        })
    })
}

/// Gets a message through the stream's direct get API (the stream must
/// allow direct gets), as `dgOpts` says; `NATS_NOT_FOUND` when there is no
/// such message. The message keeps the server's `Nats-*` headers.
#[no_mangle]
pub unsafe extern "C" fn js_DirectGetMsg(
    msg: *mut *mut natsMsg,
    js: *mut jsCtx,
    stream: *const c_char,
    opts: *mut jsOptions,
    dgOpts: *mut jsDirectGetMsgOptions,
) -> natsStatus {
    // SAFETY: the program's pointers are NULL (refused) or valid for the call.
    guard("js_DirectGetMsg", || unsafe {
        not_null(msg, "msg")?;
        let js = js_ref(js)?;
        let dg = dgOpts
            .as_ref()
            .ok_or_else(|| Error::invalid_arg("invalid argument: 'dgOpts' is NULL"))?;
        let dg = cv::direct_get_from_c(dg)?;
        let stream = cstr::str(stream, "stream")?;
        let o = options_from_c(opts)?;
        msg_out(js.direct_get_msg(stream, &dg, o.as_ref())?, msg)
    })
}

/// Marks the message at `seq` deleted.
#[no_mangle]
pub unsafe extern "C" fn js_DeleteMsg(
    js: *mut jsCtx,
    stream: *const c_char,
    seq: u64,
    opts: *mut jsOptions,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: the program's pointers are NULL (refused) or valid for the call.
    guard("js_DeleteMsg", || unsafe {
        with_err_code(errCode, || {
            let js = js_ref(js)?;
            let stream = cstr::str(stream, "stream")?;
            let o = options_from_c(opts)?;
            js.delete_msg(stream, seq, o.as_ref())
        })
    })
}

/// Deletes the message at `seq` and overwrites its storage.
#[no_mangle]
pub unsafe extern "C" fn js_EraseMsg(
    js: *mut jsCtx,
    stream: *const c_char,
    seq: u64,
    opts: *mut jsOptions,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: the program's pointers are NULL (refused) or valid for the call.
    guard("js_EraseMsg", || unsafe {
        with_err_code(errCode, || {
            let js = js_ref(js)?;
            let stream = cstr::str(stream, "stream")?;
            let o = options_from_c(opts)?;
            js.erase_msg(stream, seq, o.as_ref())
        })
    })
}

// ---------------------------------------------------------------------
// Account

/// Gets the account's JetStream usage and limits.
#[no_mangle]
pub unsafe extern "C" fn js_GetAccountInfo(
    ai: *mut *mut jsAccountInfo,
    js: *mut jsCtx,
    opts: *mut jsOptions,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: the program's pointers are NULL (refused) or valid for the call.
    guard("js_GetAccountInfo", || unsafe {
        with_err_code(errCode, || {
            not_null(ai, "ai")?;
            let js = js_ref(js)?;
            let o = options_from_c(opts)?;
            let info = js.account_info(o.as_ref())?;
            write_out(ai, cv::account_info_to_c(&info));
            Ok(())
        })
    })
}

/// Frees an account info returned by the library (NULL is ignored).
#[no_mangle]
pub unsafe extern "C" fn jsAccountInfo_Destroy(ai: *mut jsAccountInfo) {
    // SAFETY: NULL or an info from this library, given up by the program.
    guard_or("jsAccountInfo_Destroy", (), || unsafe {
        cv::free_account_info(ai);
        Ok(())
    })
}

// ---------------------------------------------------------------------
// Consumers

/// Creates a consumer on `stream`, or updates it when it exists and the
/// change is one the server allows (as cnats); its info goes to `*ci`
/// (NULL: not wanted).
#[no_mangle]
pub unsafe extern "C" fn js_AddConsumer(
    ci: *mut *mut jsConsumerInfo,
    js: *mut jsCtx,
    stream: *const c_char,
    cfg: *mut jsConsumerConfig,
    opts: *mut jsOptions,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: the program's pointers are NULL (refused or "not wanted") or
    // valid for the call.
    guard("js_AddConsumer", || unsafe {
        with_err_code(errCode, || {
            let js = js_ref(js)?;
            let c = cfg
                .as_ref()
                .ok_or_else(|| Error::invalid_arg("consumer configuration required"))?;
            let cfg = cv::consumer_config_from_c(c)?;
            let stream = cstr::str(stream, "stream")?;
            let o = options_from_c(opts)?;
            let info = js.add_consumer(stream, &cfg, o.as_ref())?;
            put_opt(ci, cv::consumer_info_to_c(&info), cv::free_consumer_info);
            Ok(())
        })
    })
}

/// Updates a consumer of `stream` (named by `cfg`'s `Name` or `Durable`);
/// its info goes to `*ci` (NULL: not wanted).
#[no_mangle]
pub unsafe extern "C" fn js_UpdateConsumer(
    ci: *mut *mut jsConsumerInfo,
    js: *mut jsCtx,
    stream: *const c_char,
    cfg: *mut jsConsumerConfig,
    opts: *mut jsOptions,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: as for js_AddConsumer.
    guard("js_UpdateConsumer", || unsafe {
        with_err_code(errCode, || {
            let js = js_ref(js)?;
            let c = cfg
                .as_ref()
                .ok_or_else(|| Error::invalid_arg("consumer configuration required"))?;
            let cfg = cv::consumer_config_from_c(c)?;
            let stream = cstr::str(stream, "stream")?;
            let o = options_from_c(opts)?;
            let info = js.update_consumer(stream, &cfg, o.as_ref())?;
            put_opt(ci, cv::consumer_info_to_c(&info), cv::free_consumer_info);
            Ok(())
        })
    })
}

/// Gets a consumer's info; `NATS_NOT_FOUND` when there is no such consumer.
#[no_mangle]
pub unsafe extern "C" fn js_GetConsumerInfo(
    ci: *mut *mut jsConsumerInfo,
    js: *mut jsCtx,
    stream: *const c_char,
    consumer: *const c_char,
    opts: *mut jsOptions,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: the program's pointers are NULL (refused) or valid for the call.
    guard("js_GetConsumerInfo", || unsafe {
        let r = with_err_code(errCode, || {
            not_null(ci, "ci")?;
            let js = js_ref(js)?;
            let stream = cstr::str(stream, "stream")?;
            let consumer = cstr::str(consumer, "consumer")?;
            let o = options_from_c(opts)?;
            let info = js.consumer_info(stream, consumer, o.as_ref())?;
            write_out(ci, cv::consumer_info_to_c(&info));
            Ok(())
        });
        not_found_is_answer(r, Some(codes::CONSUMER_NOT_FOUND))
    })
}

/// Deletes a consumer.
#[no_mangle]
pub unsafe extern "C" fn js_DeleteConsumer(
    js: *mut jsCtx,
    stream: *const c_char,
    consumer: *const c_char,
    opts: *mut jsOptions,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: the program's pointers are NULL (refused) or valid for the call.
    guard("js_DeleteConsumer", || unsafe {
        let r = with_err_code(errCode, || {
            let js = js_ref(js)?;
            let stream = cstr::str(stream, "stream")?;
            let consumer = cstr::str(consumer, "consumer")?;
            let o = options_from_c(opts)?;
            js.delete_consumer(stream, consumer, o.as_ref())
        });
        not_found_is_answer(r, Some(codes::CONSUMER_NOT_FOUND))
    })
}

/// Frees a consumer info returned by the library (NULL is ignored).
#[no_mangle]
pub unsafe extern "C" fn jsConsumerInfo_Destroy(ci: *mut jsConsumerInfo) {
    // SAFETY: NULL or an info from this library, given up by the program.
    guard_or("jsConsumerInfo_Destroy", (), || unsafe {
        cv::free_consumer_info(ci);
        Ok(())
    })
}

/// Lists the infos of the consumers of `stream`; `NATS_NOT_FOUND` when
/// there are none.
#[no_mangle]
pub unsafe extern "C" fn js_Consumers(
    list: *mut *mut jsConsumerInfoList,
    js: *mut jsCtx,
    stream: *const c_char,
    opts: *mut jsOptions,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: the program's pointers are NULL (refused) or valid for the call.
    guard("js_Consumers", || unsafe {
        with_err_code(errCode, || {
            not_null(list, "list")?;
            let js = js_ref(js)?;
            let stream = cstr::str(stream, "stream")?;
            let o = options_from_c(opts)?;
            let all = js.consumers(stream, o.as_ref())?;
            let (l, n) = cv::array(all.iter().map(cv::consumer_info_to_c).collect());
            write_out(list, cv::boxed(jsConsumerInfoList { List: l, Count: n }));
            Ok(())
        })
    })
}

/// Frees a list from `js_Consumers` and its infos (NULL is ignored).
#[no_mangle]
pub unsafe extern "C" fn jsConsumerInfoList_Destroy(list: *mut jsConsumerInfoList) {
    // SAFETY: NULL or a list from this library, given up by the program.
    guard_or("jsConsumerInfoList_Destroy", (), || unsafe {
        if let Some(l) = list.as_ref() {
            if !l.List.is_null() {
                for i in 0..l.Count.max(0) as usize {
                    cv::free_consumer_info(*l.List.add(i));
                }
                free(l.List);
            }
            free(list);
        }
        Ok(())
    })
}

/// Lists the names of the consumers of `stream`; `NATS_NOT_FOUND` when
/// there are none.
#[no_mangle]
pub unsafe extern "C" fn js_ConsumerNames(
    list: *mut *mut jsConsumerNamesList,
    js: *mut jsCtx,
    stream: *const c_char,
    opts: *mut jsOptions,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: the program's pointers are NULL (refused) or valid for the call.
    guard("js_ConsumerNames", || unsafe {
        with_err_code(errCode, || {
            not_null(list, "list")?;
            let js = js_ref(js)?;
            let stream = cstr::str(stream, "stream")?;
            let o = options_from_c(opts)?;
            let names = js.consumer_names(stream, o.as_ref())?;
            let (l, n) = names_to_c(&names);
            write_out(list, cv::boxed(jsConsumerNamesList { List: l, Count: n }));
            Ok(())
        })
    })
}

/// Frees a list from `js_ConsumerNames` (NULL is ignored).
#[no_mangle]
pub unsafe extern "C" fn jsConsumerNamesList_Destroy(list: *mut jsConsumerNamesList) {
    // SAFETY: NULL or a list from this library, given up by the program.
    guard_or("jsConsumerNamesList_Destroy", (), || unsafe {
        if let Some(l) = list.as_ref() {
            cv::free_names(l.List, l.Count);
            free(list);
        }
        Ok(())
    })
}

/// Pauses a consumer until `pauseUntil` (UTC nanoseconds since the epoch;
/// 0 resumes it).
#[no_mangle]
pub unsafe extern "C" fn js_PauseConsumer(
    new_cpr: *mut *mut jsConsumerPauseResponse,
    js: *mut jsCtx,
    stream: *const c_char,
    consumer: *const c_char,
    pauseUntil: u64,
    opts: *mut jsOptions,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: the program's pointers are NULL (refused) or valid for the call.
    guard("js_PauseConsumer", || unsafe {
        let r = with_err_code(errCode, || {
            not_null(new_cpr, "new_cpr")?;
            let js = js_ref(js)?;
            let stream = cstr::str(stream, "stream")?;
            let consumer = cstr::str(consumer, "consumer")?;
            let o = options_from_c(opts)?;
            let r = js.pause_consumer(stream, consumer, pauseUntil, o.as_ref())?;
            write_out(
                new_cpr,
                cv::boxed(jsConsumerPauseResponse {
                    Paused: r.paused,
                    PauseUntil: r.pause_until,
                    PauseRemaining: r.pause_remaining,
                }),
            );
            Ok(())
        });
        not_found_is_answer(r, Some(codes::CONSUMER_NOT_FOUND))
    })
}

/// Frees a response from `js_PauseConsumer` (NULL is ignored).
#[no_mangle]
pub unsafe extern "C" fn jsConsumerPauseResponse_Destroy(cpr: *mut jsConsumerPauseResponse) {
    // SAFETY: NULL or a response from this library, given up by the program.
    guard_or("jsConsumerPauseResponse_Destroy", (), || unsafe {
        free(cpr);
        Ok(())
    })
}

/// Resets a consumer's position to stream sequence `seq` (0: its deliver
/// policy's start); the answer goes to `*new_crr` (NULL: not wanted).
#[no_mangle]
pub unsafe extern "C" fn js_ResetConsumer(
    new_crr: *mut *mut jsConsumerResetResponse,
    js: *mut jsCtx,
    stream: *const c_char,
    consumer: *const c_char,
    seq: u64,
    opts: *mut jsOptions,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: the program's pointers are NULL (refused or "not wanted") or
    // valid for the call.
    guard("js_ResetConsumer", || unsafe {
        let r = with_err_code(errCode, || {
            let js = js_ref(js)?;
            let stream = cstr::str(stream, "stream")?;
            let consumer = cstr::str(consumer, "consumer")?;
            let o = options_from_c(opts)?;
            let r = js.reset_consumer(stream, consumer, seq, o.as_ref())?;
            let c = cv::boxed(jsConsumerResetResponse {
                Consumer: cv::consumer_info_to_c(&r.consumer),
                ResetSeq: r.reset_seq,
            });
            put_opt(new_crr, c, free_reset_response);
            Ok(())
        });
        not_found_is_answer(r, Some(codes::CONSUMER_NOT_FOUND))
    })
}

/// # Safety
/// `p` is NULL or a response made by `js_ResetConsumer`.
unsafe fn free_reset_response(p: *mut jsConsumerResetResponse) {
    // SAFETY: NULL or ours; its info and block are freed once.
    unsafe {
        if let Some(r) = p.as_ref() {
            cv::free_consumer_info(r.Consumer);
            free(p);
        }
    }
}

/// Frees a response from `js_ResetConsumer` (NULL is ignored).
#[no_mangle]
pub unsafe extern "C" fn jsConsumerResetResponse_Destroy(crr: *mut jsConsumerResetResponse) {
    // SAFETY: NULL or a response from this library, given up by the program.
    guard_or("jsConsumerResetResponse_Destroy", (), || unsafe {
        free_reset_response(crr);
        Ok(())
    })
}

/// Unpins the client pinned in priority group `group` of a consumer.
#[no_mangle]
pub unsafe extern "C" fn js_UnpinConsumer(
    js: *mut jsCtx,
    stream: *const c_char,
    consumer: *const c_char,
    group: *const c_char,
    opts: *mut jsOptions,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: the program's pointers are NULL (refused) or valid for the call.
    guard("js_UnpinConsumer", || unsafe {
        let r = with_err_code(errCode, || {
            let js = js_ref(js)?;
            let stream = cstr::str(stream, "stream")?;
            let consumer = cstr::str(consumer, "consumer")?;
            let group = cstr::str(group, "group")?;
            let o = options_from_c(opts)?;
            js.unpin_consumer(stream, consumer, group, o.as_ref())
        });
        not_found_is_answer(r, Some(codes::CONSUMER_NOT_FOUND))
    })
}
