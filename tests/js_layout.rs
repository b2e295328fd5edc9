//! The JetStream structs, enums and macros of our header against cnats
//! 3.14's (tests/data/cnats-3.14-*.tsv): a C program compiled against
//! include/nats/nats.h prints `sizeof`, `_Alignof`, and each field's
//! `offsetof` and `sizeof`, every enumerator's value and every macro's
//! text; any difference with the tables fails.
//!
//! Every `js*` struct of the table that our header declares is checked,
//! and the part-1 structs below must be declared.

mod common;

use common::layout::*;

/// Structs JetStream part 1 (issue 13) must declare.
const PART1: &[&str] = &[
    "jsAPIStats",
    "jsAccountInfo",
    "jsAccountLimits",
    "jsClusterInfo",
    "jsConsumerConfig",
    "jsConsumerInfo",
    "jsConsumerInfoList",
    "jsConsumerNamesList",
    "jsConsumerPauseResponse",
    "jsDirectGetMsgOptions",
    "jsExternalStream",
    "jsLostStreamData",
    "jsOptions",
    "jsOptionsPublishAsync",
    "jsOptionsPullSubscribeAsync",
    "jsOptionsStream",
    "jsOptionsStreamInfo",
    "jsOptionsStreamPurge",
    "jsPeerInfo",
    "jsPlacement",
    "jsPriorityGroupState",
    "jsRePublish",
    "jsSequenceInfo",
    "jsStreamAlternate",
    "jsStreamConfig",
    "jsStreamConsumerLimits",
    "jsStreamInfo",
    "jsStreamInfoList",
    "jsStreamNamesList",
    "jsStreamSource",
    "jsStreamSourceInfo",
    "jsStreamState",
    "jsStreamStateSubject",
    "jsStreamStateSubjects",
    "jsSubjectTransformConfig",
    "jsTier",
    "natsMetadata",
];

/// Structs JetStream part 2 (issue 14: consuming) must declare.
const PART2: &[&str] = &[
    "jsFetchRequest",
    "jsMsgMetaData",
    "jsSequencePair",
    "jsSubOptions",
    "natsMsgList",
];

/// Enum types part 1 must declare.
const PART1_ENUMS: &[&str] = &[
    "jsErrCode",
    "jsRetentionPolicy",
    "jsDiscardPolicy",
    "jsStorageType",
    "jsStorageCompression",
    "jsDeliverPolicy",
    "jsAckPolicy",
    "jsReplayPolicy",
    "jsPersistModeType",
];

/// The structs whose layout is compared: the JetStream ones, and the two
/// `nats*` structs JetStream uses.
fn checked_struct(name: &str) -> bool {
    name.starts_with("js") || name == "natsMetadata" || name == "natsMsgList"
}

#[test]
fn js_structs_have_cnats_layout() {
    let declared = declared_types();
    for s in PART1.iter().chain(PART2) {
        assert!(declared.contains(*s), "{s} is not declared in nats.h");
    }
    let rows: Vec<_> = table("cnats-3.14-struct-layout.tsv")
        .into_iter()
        .filter(|r| checked_struct(&r[0]) && declared.contains(&r[0]))
        .collect();
    assert!(rows.len() >= 276, "only {} rows checked", rows.len());
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

/// Field types as cnats declares them: a field of the wrong type with the
/// right size (an `int` for an enum, `char *` for `const char *`) would be
/// missed by the offsets alone. C11 `_Generic` checks each one.
#[test]
fn js_struct_field_types_are_cnats() {
    let declared = declared_types();
    let rows: Vec<_> = table("cnats-3.14-struct-layout.tsv")
        .into_iter()
        .filter(|r| checked_struct(&r[0]) && declared.contains(&r[0]))
        // Handler fields are checked once their typedefs are declared (the
        // publish part declares jsPubAckHandler / jsPubAckErrHandler).
        .filter(|r| declared.contains(&r[6]) || !r[6].ends_with("Handler"))
        .collect();
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

#[test]
fn js_enums_and_macros_have_cnats_values() {
    let declared = declared_types();
    for e in PART1_ENUMS {
        assert!(declared.contains(*e), "{e} is not declared in nats.h");
    }
    let rows: Vec<_> = table("cnats-3.14-enums.tsv")
        .into_iter()
        .filter(|r| {
            declared.contains(&r[2]) && r[2].starts_with("js") || r[0].starts_with("JS") && r[2] == "macro:string"
        })
        .collect();
    assert!(rows.len() > 190, "only {} rows checked", rows.len());
    let mut src = String::from("#include <nats/nats.h>\nint main(void)\n{\n");
    let mut expected = String::new();
    for r in &rows {
        let (n, v, t) = (&r[0], &r[1], &r[2]);
        if t == "macro:string" {
            src.push_str(&format!("    printf(\"{n}\\t%s\\n\", {n});\n"));
        } else {
            src.push_str(&format!(
                "    {{ {t} v = {n}; printf(\"{n}\\t%d\\t%zu\\n\", (int) v, sizeof(v)); }}\n"
            ));
        }
        let size = if t == "macro:string" {
            String::new()
        } else {
            "\t4".into()
        };
        expected.push_str(&format!("{n}\t{v}{size}\n"));
    }
    src.push_str("    return 0;\n}\n");
    let Some(got) = run_c(&src) else { return };
    for (g, e) in got.lines().zip(expected.lines()) {
        assert_eq!(g, e, "value differs (got vs cnats 3.14)");
    }
    assert_eq!(got.lines().count(), expected.lines().count());
}
