//! The object store structs of our header against cnats 3.14's
//! (tests/data/cnats-3.14-struct-layout.tsv): a C program compiled against
//! include/nats/nats.h prints `sizeof`, `_Alignof`, and each field's
//! `offsetof` and `sizeof`; any difference with the table fails. Field
//! types are checked with C11 `_Generic`, and the `_Init` functions are
//! called on dirty memory to see that they clear every field.

mod common;

use common::layout::*;

/// Every `objStore*` struct of cnats 3.14.
const STRUCTS: &[&str] = &[
    "objStoreConfig",
    "objStoreInfo",
    "objStoreInfoList",
    "objStoreLink",
    "objStoreMeta",
    "objStoreMetaOptions",
    "objStoreNamesList",
    "objStoreOptions",
    "objStoreStatus",
    "objStoreStatusesList",
    "objStoreWatchOptions",
];

fn rows() -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(root().join("tests/data/cnats-3.14-struct-layout.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split('\t').map(str::to_string).collect::<Vec<_>>())
        .filter(|r| r[0].starts_with("objStore"))
        .collect()
}

#[test]
fn obj_structs_have_cnats_layout() {
    let declared = declared_types();
    for s in STRUCTS {
        assert!(declared.contains(*s), "{s} is not declared in nats.h");
    }
    let rows = rows();
    assert_eq!(rows.len(), 46, "rows of the objStore structs in the table");
    let mut src = String::from("#include <stddef.h>\n#include <nats/nats.h>\nint main(void)\n{\n");
    let mut expected = String::new();
    for r in &rows {
        let (s, f) = (&r[0], &r[1]);
        src.push_str(&format!(
            "    printf(\"{s}\\t{f}\\t%zu\\t%zu\\t%zu\\t%zu\\n\", offsetof({s}, {f}), sizeof((({s} *)0)->{f}), sizeof({s}), _Alignof({s}));\n"
        ));
        expected.push_str(&format!("{s}\t{f}\t{}\t{}\t{}\t{}\n", r[2], r[3], r[4], r[5]));
    }
    src.push_str("    return 0;\n}\n");
    let Some(got) = run_c(&src) else { return };
    for (g, e) in got.lines().zip(expected.lines()) {
        assert_eq!(g, e, "layout differs (got vs cnats 3.14)");
    }
    assert_eq!(got.lines().count(), expected.lines().count());
}

/// A field of the wrong type with the right size (an `int` for an enum,
/// `char *` for `const char *`) would be missed by the offsets alone.
#[test]
fn obj_struct_field_types_are_cnats() {
    let rows = rows();
    let mut src = String::from("#include <stddef.h>\n#include <nats/nats.h>\nint main(void)\n{\n    int bad = 0;\n");
    for r in &rows {
        let (s, f, t) = (&r[0], &r[1], &r[6]);
        src.push_str(&format!(
            "    if (!_Generic(&(({s} *)0)->{f}, {t} *: 1, default: 0)) {{ printf(\"{s}.{f} is not {t}\\n\"); bad++; }}\n"
        ));
    }
    src.push_str("    return bad != 0;\n}\n");
    if let Some(out) = run_c(&src) {
        assert!(out.is_empty(), "{out}");
    }
}

/// Each `_Init` clears a struct filled with 0xA5 bytes, and refuses NULL
/// with NATS_INVALID_ARG and an error text naming the argument.
#[test]
fn obj_inits_clear_every_byte_and_refuse_null() {
    use nats::ffi::obj_types::*;
    use nats::status::natsStatus;
    use std::mem::MaybeUninit;

    /// Runs `init` on dirty storage and on NULL.
    fn check<T>(name: &str, arg: &str, init: unsafe extern "C" fn(*mut T) -> natsStatus) {
        let mut v = MaybeUninit::<T>::uninit();
        // SAFETY: writes size_of::<T>() bytes into storage of that size.
        unsafe { std::ptr::write_bytes(v.as_mut_ptr().cast::<u8>(), 0xA5, std::mem::size_of::<T>()) };
        // SAFETY: a valid pointer to storage for a T.
        assert_eq!(unsafe { init(v.as_mut_ptr()) }, natsStatus::NATS_OK, "{name}");
        // SAFETY: the storage is size_of::<T>() initialised bytes.
        let bytes = unsafe { std::slice::from_raw_parts(v.as_ptr().cast::<u8>(), std::mem::size_of::<T>()) };
        assert!(bytes.iter().all(|b| *b == 0), "{name} left bytes uncleared: {bytes:?}");
        // SAFETY: NULL is refused before any access.
        assert_eq!(
            unsafe { init(std::ptr::null_mut()) },
            natsStatus::NATS_INVALID_ARG,
            "{name}(NULL)"
        );
        // SAFETY: NULL status pointer is allowed; the text is NUL-terminated and
        // stays valid on this thread until the next call.
        let text = unsafe { std::ffi::CStr::from_ptr(nats::ffi::library::nats_GetLastError(std::ptr::null_mut())) };
        let text = text.to_string_lossy();
        assert!(text.contains(arg), "{name}(NULL): last error {text:?}");
    }
    check("objStoreConfig_Init", "cfg", objStoreConfig_Init);
    check("objStoreMeta_Init", "meta", objStoreMeta_Init);
    check("objStoreOptions_Init", "opts", objStoreOptions_Init);
    check("objStoreWatchOptions_Init", "opts", objStoreWatchOptions_Init);
}
