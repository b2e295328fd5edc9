//! `statsGroup`: connection statistics.

use super::handle::{box_into_raw, box_ref, box_take, BoxCastable, Castable};
use super::{guard, guard_or, not_null, write_out};
use crate::conn::Stats;
use crate::status::natsStatus;

/// Counters of a connection (opaque).
pub struct natsStatistics {
    _private: [u8; 0],
}
impl Castable for natsStatistics {
    type RustType = Stats;
}
impl BoxCastable for natsStatistics {}

/// Creates a statistics object (free with `natsStatistics_Destroy`).
#[no_mangle]
pub unsafe extern "C" fn natsStatistics_Create(newStats: *mut *mut natsStatistics) -> natsStatus {
    guard("natsStatistics_Create", || {
        not_null(newStats, "newStats")?;
        // SAFETY: `newStats` was checked non-NULL above and, by the C contract, points to writable
        // storage for the result.
        unsafe { write_out(newStats, box_into_raw::<natsStatistics>(Stats::default())) };
        Ok(())
    })
}

/// Reads the counters; any output pointer may be NULL.
#[no_mangle]
pub unsafe extern "C" fn natsStatistics_GetCounts(
    stats: *const natsStatistics,
    inMsgs: *mut u64,
    inBytes: *mut u64,
    outMsgs: *mut u64,
    outBytes: *mut u64,
    reconnects: *mut u64,
) -> natsStatus {
    guard("natsStatistics_GetCounts", || {
        // SAFETY: `stats` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a
        // statistics object from `natsStatistics_Create` that the program has not destroyed.
        let s = unsafe { box_ref::<natsStatistics>(stats, "stats") }?;
        for (p, v) in [
            (inMsgs, s.in_msgs),
            (inBytes, s.in_bytes),
            (outMsgs, s.out_msgs),
            (outBytes, s.out_bytes),
            (reconnects, s.reconnects),
        ] {
            if !p.is_null() {
                // SAFETY: `p` was checked non-NULL above and, by the C contract, points to writable
                // storage for the result.
                unsafe { write_out(p, v) };
            }
        }
        Ok(())
    })
}

/// Frees a statistics object. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn natsStatistics_Destroy(stats: *mut natsStatistics) {
    guard_or("natsStatistics_Destroy", (), || {
        // SAFETY: `stats` is NULL (nothing to do) or, by the C contract, a statistics object from
        // `natsStatistics_Create` that the program has not destroyed; the program gives up its
        // pointer with this call, so the ownership taken back here is the only one.
        drop(unsafe { box_take::<natsStatistics>(stats) });
        Ok(())
    })
}
