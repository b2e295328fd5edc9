//! `jsMsg`: acknowledging JetStream messages and reading their metadata
//! (`natsMsg_Ack` … `natsMsg_GetTime`, `jsMsgMetaData_Destroy`).

use super::guard_or;
use super::js_convert::free;
use super::js_types::jsMsgMetaData;

/// Frees metadata from `natsMsg_GetMetaData`: its strings and the struct
/// (NULL is ignored).
#[no_mangle]
pub unsafe extern "C" fn jsMsgMetaData_Destroy(meta: *mut jsMsgMetaData) {
    guard_or("jsMsgMetaData_Destroy", (), || {
        if meta.is_null() {
            return Ok(());
        }
        // SAFETY: `meta` is a block from `natsMsg_GetMetaData` (contract):
        // its strings and itself were `malloc`ed by us and are freed once.
        unsafe {
            free((*meta).Stream);
            free((*meta).Consumer);
            free((*meta).Domain);
            free(meta);
        }
        Ok(())
    })
}
