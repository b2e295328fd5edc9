//! The Key/Value structs and enum of our header against cnats 3.14's
//! (tests/data/cnats-3.14-*.tsv): a C program compiled against
//! include/nats/nats.h prints each `kv*` struct's `sizeof` and `_Alignof`,
//! each field's `offsetof` and `sizeof`, and each `kvOperation` value; any
//! difference with the tables fails. Field types are checked with C11
//! `_Generic` (a field of the right size but the wrong type is caught).

mod common;

use common::layout::*;
use std::collections::BTreeSet;

/// Every KV struct cnats 3.14 declares.
const KV_STRUCTS: &[&str] = &[
    "kvConfig",
    "kvEntryList",
    "kvKeysList",
    "kvPurgeOptions",
    "kvWatchOptions",
];

/// The KV types cnats 3.14 declares besides the structs (opaque handles,
/// the enum, the callback).
const KV_OTHER: &[&str] = &[
    "kvStore",
    "kvEntry",
    "kvStatus",
    "kvWatcher",
    "kvOperation",
    "kvWatchCb",
];

fn kv_rows() -> Vec<Vec<String>> {
    table("cnats-3.14-struct-layout.tsv")
        .into_iter()
        .filter(|r| r[0].starts_with("kv"))
        .collect()
}

#[test]
fn kv_types_are_declared() {
    let declared = declared_types();
    for t in KV_STRUCTS.iter().chain(KV_OTHER) {
        assert!(declared.contains(*t), "{t} is not declared in nats.h");
    }
    // The table lists exactly these structs: a new one would need adding.
    let in_table: BTreeSet<_> = kv_rows().into_iter().map(|r| r[0].clone()).collect();
    let ours: BTreeSet<_> = KV_STRUCTS.iter().map(|s| s.to_string()).collect();
    assert_eq!(in_table, ours);
}

#[test]
fn kv_structs_have_cnats_layout() {
    let rows = kv_rows();
    assert_eq!(rows.len(), 29, "the table's KV fields");
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

#[test]
fn kv_struct_field_types_are_cnats() {
    let rows = kv_rows();
    let mut src = String::from("#include <stddef.h>\n#include <nats/nats.h>\nint main(void)\n{\n    int bad = 0;\n");
    for r in &rows {
        let (s, f, t) = (&r[0], &r[1], &r[6]);
        src.push_str(&format!(
            "    if (!_Generic(&(({s} *)0)->{f}, {t} *: 1, default: 0)) {{ printf(\"{s}.{f} is not {t}\\n\"); bad++; }}\n"
        ));
    }
    // The callback's parameters, as cnats declares them.
    src.push_str("    { void (*cb)(kvWatcher *, kvEntry *, natsStatus, void *) = (kvWatchCb) 0; (void) cb; }\n");
    src.push_str("    return bad != 0;\n}\n");
    if let Some(out) = run_c(&src) {
        assert!(out.is_empty(), "{out}");
    }
}

#[test]
fn kv_operation_has_cnats_values() {
    let rows: Vec<_> = table("cnats-3.14-enums.tsv")
        .into_iter()
        .filter(|r| r[2] == "kvOperation")
        .collect();
    assert_eq!(rows.len(), 4);
    let mut src = String::from("#include <nats/nats.h>\nint main(void)\n{\n");
    let mut expected = String::new();
    for r in &rows {
        let (n, v) = (&r[0], &r[1]);
        src.push_str(&format!(
            "    {{ kvOperation v = {n}; printf(\"{n}\\t%d\\t%zu\\n\", (int) v, sizeof(v)); }}\n"
        ));
        expected.push_str(&format!("{n}\t{v}\t4\n"));
    }
    src.push_str("    return 0;\n}\n");
    let Some(got) = run_c(&src) else { return };
    assert_eq!(got, expected, "value differs (got vs cnats 3.14)");
}
