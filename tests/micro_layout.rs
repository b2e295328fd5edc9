//! The services (`micro*`) types, prototypes and macros of our header
//! against cnats 3.14's (tests/data/cnats-3.14-*.tsv): a C program compiled
//! against include/nats/nats.h prints each struct's `sizeof`, `_Alignof`,
//! and each field's `offsetof` and `sizeof`; field types, handler typedefs
//! and the microError prototypes (three of them C-variadic) are checked
//! with C11 `_Generic`; the MICRO_* macros must have cnats' text.

mod common;

use common::layout::*;

const STRUCTS: &[&str] = &[
    "microEndpointConfig",
    "microEndpointInfo",
    "microEndpointStats",
    "microGroupConfig",
    "microServiceConfig",
    "microServiceInfo",
    "microServiceStats",
];

fn micro_rows() -> Vec<Vec<String>> {
    table("cnats-3.14-struct-layout.tsv")
        .into_iter()
        .filter(|r| r[0].starts_with("micro"))
        .collect()
}

#[test]
fn micro_structs_have_cnats_layout() {
    let rows = micro_rows();
    let names: std::collections::BTreeSet<_> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        names.into_iter().collect::<Vec<_>>(),
        STRUCTS,
        "the table's micro structs changed"
    );
    assert_eq!(rows.len(), 49);
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

/// Field types as cnats declares them (a `char *` for a `const char *`, or
/// a handler of another signature, would have the right size).
#[test]
fn micro_struct_field_types_are_cnats() {
    let mut src = String::from("#include <stddef.h>\n#include <nats/nats.h>\nint main(void)\n{\n    int bad = 0;\n");
    for r in micro_rows() {
        let (s, f, t) = (&r[0], &r[1], &r[6]);
        let t = if t == "char [2048]" {
            "char (*)[2048]".to_string()
        } else {
            format!("{t} *")
        };
        src.push_str(&format!(
            "    if (!_Generic(&(({s} *)0)->{f}, {t}: 1, default: 0)) {{ printf(\"{s}.{f} is not {t}\\n\"); bad++; }}\n"
        ));
    }
    src.push_str("    return bad != 0;\n}\n");
    if let Some(out) = run_c(&src) {
        assert!(out.is_empty(), "{out}");
    }
}

/// The handler typedefs, the exported error objects and the prototypes of
/// all 44 micro functions have cnats' types (three error constructors are
/// C-variadic).
#[test]
fn micro_typedefs_and_error_prototypes_are_cnats() {
    let checks = [
        ("microRequestHandler", "microError *(*)(microRequest *)"),
        (
            "microErrorHandler",
            "void (*)(microService *, microEndpoint *, natsStatus)",
        ),
        ("microDoneHandler", "void (*)(microService *)"),
    ];
    let mut src = String::from("#include <nats/nats.h>\nint main(void)\n{\n    int bad = 0;\n");
    for (name, ty) in checks {
        src.push_str(&format!(
            "    {{ {name} h = 0; if (!_Generic(h, {ty}: 1, default: 0)) {{ printf(\"{name}\\n\"); bad++; }} }}\n"
        ));
    }
    let funcs = [
        (
            "micro_AddService",
            "microError *(*)(microService **, natsConnection *, microServiceConfig *)",
        ),
        (
            "microService_AddEndpoint",
            "microError *(*)(microService *, microEndpointConfig *)",
        ),
        (
            "microService_AddGroup",
            "microError *(*)(microGroup **, microService *, microGroupConfig *)",
        ),
        ("microService_Destroy", "microError *(*)(microService *)"),
        ("microService_GetConnection", "natsConnection *(*)(microService *)"),
        (
            "microService_GetInfo",
            "microError *(*)(microServiceInfo **, microService *)",
        ),
        ("microService_GetState", "void *(*)(microService *)"),
        (
            "microService_GetStats",
            "microError *(*)(microServiceStats **, microService *)",
        ),
        ("microService_IsStopped", "bool (*)(microService *)"),
        ("microService_Run", "microError *(*)(microService *)"),
        ("microService_Stop", "microError *(*)(microService *)"),
        (
            "microGroup_AddGroup",
            "microError *(*)(microGroup **, microGroup *, microGroupConfig *)",
        ),
        (
            "microGroup_AddEndpoint",
            "microError *(*)(microGroup *, microEndpointConfig *)",
        ),
        (
            "microRequest_AddHeader",
            "microError *(*)(microRequest *, const char *, const char *)",
        ),
        (
            "microRequest_DeleteHeader",
            "microError *(*)(microRequest *, const char *)",
        ),
        ("microRequest_GetConnection", "natsConnection *(*)(microRequest *)"),
        ("microRequest_GetData", "const char *(*)(microRequest *)"),
        ("microRequest_GetDataLength", "int (*)(microRequest *)"),
        ("microRequest_GetEndpointState", "void *(*)(microRequest *)"),
        (
            "microRequest_GetHeaderKeys",
            "microError *(*)(microRequest *, const char ***, int *)",
        ),
        (
            "microRequest_GetHeaderValue",
            "microError *(*)(microRequest *, const char *, const char **)",
        ),
        (
            "microRequest_GetHeaderValues",
            "microError *(*)(microRequest *, const char *, const char ***, int *)",
        ),
        ("microRequest_GetMsg", "natsMsg *(*)(microRequest *)"),
        ("microRequest_GetReply", "const char *(*)(microRequest *)"),
        ("microRequest_GetService", "microService *(*)(microRequest *)"),
        ("microRequest_GetServiceState", "void *(*)(microRequest *)"),
        ("microRequest_GetSubject", "const char *(*)(microRequest *)"),
        (
            "microRequest_Respond",
            "microError *(*)(microRequest *, const char *, size_t)",
        ),
        (
            "microRequest_RespondError",
            "microError *(*)(microRequest *, microError *)",
        ),
        (
            "microRequest_RespondCustom",
            "microError *(*)(microRequest *, microError *, const char *, size_t)",
        ),
        (
            "microRequest_SetHeader",
            "microError *(*)(microRequest *, const char *, const char *)",
        ),
        (
            "micro_NewClient",
            "microError *(*)(microClient **, natsConnection *, microClientConfig *)",
        ),
        ("microClient_Destroy", "void (*)(microClient *)"),
        (
            "microClient_DoRequest",
            "microError *(*)(natsMsg **, microClient *, const char *, const char *, int)",
        ),
        ("microServiceInfo_Destroy", "void (*)(microServiceInfo *)"),
        ("microServiceStats_Destroy", "void (*)(microServiceStats *)"),
        ("micro_Errorf", "microError *(*)(const char *, ...)"),
        ("micro_ErrorfCode", "microError *(*)(int, const char *, ...)"),
        ("microError_Wrapf", "microError *(*)(microError *, const char *, ...)"),
        ("micro_ErrorFromStatus", "microError *(*)(natsStatus)"),
        ("microError_Code", "int (*)(microError *)"),
        ("microError_Status", "natsStatus (*)(microError *)"),
        ("microError_String", "const char *(*)(microError *, char *, size_t)"),
        ("microError_Destroy", "void (*)(microError *)"),
    ];
    assert_eq!(
        funcs.len(),
        table("cnats-3.14-functions.txt")
            .iter()
            .filter(|r| r[0].starts_with("micro"))
            .count()
    );
    for (name, ty) in funcs {
        src.push_str(&format!(
            "    if (!_Generic(&{name}, {ty}: 1, default: 0)) {{ printf(\"{name}\\n\"); bad++; }}\n"
        ));
    }
    src.push_str("    if (!_Generic(&micro_ErrorOutOfMemory, microError **: 1, default: 0)) bad++;\n");
    src.push_str("    if (!_Generic(&micro_ErrorInvalidArg, microError **: 1, default: 0)) bad++;\n");
    // microError_Ignore is a function-like macro, as in cnats.
    src.push_str("    (void) sizeof(&microError_Destroy);\n#ifndef microError_Ignore\n    bad++;\n#endif\n");
    // Opaque handles: only pointers can be declared.
    src.push_str("    { microService *m = 0; microEndpoint *e = 0; microGroup *g = 0; microRequest *q = 0; microClient *c = 0; microClientConfig *cc = 0; microError *r = 0; (void) m; (void) e; (void) g; (void) q; (void) c; (void) cc; (void) r; }\n");
    src.push_str("    return bad != 0;\n}\n");
    if let Some(out) = run_c(&src) {
        assert!(out.is_empty(), "{out}");
    }
}

#[test]
fn micro_macros_have_cnats_values() {
    let rows: Vec<_> = table("cnats-3.14-enums.tsv")
        .into_iter()
        .filter(|r| r[0].starts_with("MICRO_"))
        .collect();
    assert_eq!(rows.len(), 10);
    let mut src = String::from("#include <nats/nats.h>\nint main(void)\n{\n");
    let mut expected = String::new();
    for r in &rows {
        assert_eq!(r[2], "macro:string");
        src.push_str(&format!("    printf(\"{}\\t%s\\n\", {});\n", r[0], r[0]));
        expected.push_str(&format!("{}\t{}\n", r[0], r[1]));
    }
    src.push_str("    return 0;\n}\n");
    if let Some(got) = run_c(&src) {
        assert_eq!(got, expected);
    }
}
