//! The function list of our generated header against cnats 3.14's
//! (issue #18): every function of cnats' `nats.h` outside JetStream and
//! NATS Streaming is declared in `include/nats/nats.h`, and the header
//! declares nothing cnats does not, apart from listed rnats extensions.
//!
//! cnats' list is the fact table `tests/data/cnats-3.14-functions.txt`
//! (name, doxygen group, section, preprocessor condition; see
//! tests/data/README.md). A function is declared only when it works
//! (CONTRIBUTING.md), so "declared" means "implemented".
//!
//! `cargo test --test api_coverage -- --nocapture` prints the counts per
//! section.

mod common;

use common::layout::{root, table};
use std::collections::{BTreeMap, BTreeSet};

/// Core functions not declared yet, each to be added (empty: every core
/// function of cnats 3.14 is declared; the test fails if one listed here
/// is declared).
const PENDING_CORE: &[&str] = &[];

/// Core functions we document as unsupported and therefore do not
/// declare. Empty: `natsOptions_SetSSLVerificationCallback`, unsupported
/// with rustls (docs/tls.md), is declared: a non-NULL callback fails with
/// `NATS_ILLEGAL_STATE` and a last error saying so (a program built
/// against cnats links, and learns at run time).
const UNSUPPORTED_CORE: &[&str] = &[];

/// JetStream functions not declared yet: atomic batch publishing
/// (`js_BatchPublish*` with its context type, nats-server 2.12's
/// `Nats-Batch-*` headers), listed as "not yet" in the README's API status.
/// Remove a name when it is implemented (the test then insists).
const JS_EXPECTED_MISSING: &[&str] = &[
    "jsAtomicBatchCtx_Destroy",
    "js_BatchPublishAdd",
    "js_BatchPublishCommit",
    "js_BatchPublishStart",
];

/// Functions our header declares that cnats' does not. An extension is
/// named `rnats_*` or `rnats<Type>_*` (tests/symbols/check.sh), never in
/// cnats' own namespace, and its doc comment says "rnats extension".
const RNATS_EXTENSIONS: &[&str] = &["rnatsOptions_LoadCATrustedCertificatesDynamic"];

/// cnats' sections (the outermost doxygen group below the function
/// groups) that make up the core API.
const CORE_SECTIONS: &[&str] = &[
    "libraryGroup",
    "statusGroup",
    "statsGroup",
    "optsGroup",
    "inboxGroup",
    "headerGroup",
    "msgGroup",
    "connGroup",
    "subGroup",
];

/// Our name for a cnats section in the report: core, js, kv, obj, micro.
fn area(section: &str) -> &'static str {
    match section {
        "jsGroup" => "js",
        "kvGroup" => "kv",
        "obsGroup" => "obj",
        "microGroup" => "micro",
        s if CORE_SECTIONS.contains(&s) => "core",
        s => panic!("section {s} of the fact table is not classified"),
    }
}

struct CnatsFn {
    name: String,
    section: String,
    condition: String,
}

fn cnats_functions() -> Vec<CnatsFn> {
    let rows = table("cnats-3.14-functions.txt");
    assert_eq!(
        rows.len(),
        440,
        "the fact table lists every NATS_EXTERN function of cnats 3.14"
    );
    rows.into_iter()
        .map(|r| {
            assert_eq!(r.len(), 4, "{r:?}");
            CnatsFn {
                name: r[0].clone(),
                section: r[2].clone(),
                condition: r[3].clone(),
            }
        })
        .collect()
}

/// cnats' functions a real (non-doxygen) build without streaming has.
fn cnats_linkable() -> Vec<CnatsFn> {
    cnats_functions()
        .into_iter()
        .filter(|f| f.condition != "NATS_HAS_STREAMING" && f.condition != "BUILD_IN_DOXYGEN")
        .collect()
}

/// The functions our header declares: `NATS_EXTERN <type> name(…);`, one
/// declaration per line (cbindgen's output and the hand-written variadic
/// ones alike).
fn declared() -> BTreeSet<String> {
    let h = std::fs::read_to_string(root().join("include/nats/nats.h")).unwrap();
    let mut out = BTreeSet::new();
    for l in h.lines().filter(|l| l.starts_with("NATS_EXTERN ")) {
        let Some((head, _)) = l.split_once('(') else {
            panic!("a NATS_EXTERN declaration split over lines: {l:?}")
        };
        let name = head.rsplit([' ', '*']).next().unwrap();
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "cannot read the function name of {l:?}"
        );
        assert!(out.insert(name.to_string()), "{name} declared twice");
    }
    out
}

#[test]
fn the_header_parser_reads_every_declaration() {
    let d = declared();
    // Plain, pointer-returning and variadic declarations.
    for f in [
        "nats_Open",
        "natsMsg_GetData",
        "micro_Errorf",
        "microError_Wrapf",
        "natsOptions_SetProxyConnHandler",
    ] {
        assert!(d.contains(f), "{f} not found by the parser");
    }
    // The doxygen-only name is the macro a real build gets.
    let h = std::fs::read_to_string(root().join("include/nats/nats.h")).unwrap();
    assert!(h.contains("#define nats_CheckCompatibility() nats_CheckCompatibilityImpl("));
    assert!(d.contains("nats_CheckCompatibilityImpl"));
}

#[test]
fn every_core_function_of_cnats_3_14_is_declared() {
    let d = declared();
    let all = cnats_linkable();
    let names: BTreeSet<&str> = all.iter().map(|f| f.name.as_str()).collect();

    // Counts per area, printed for the record.
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for f in &all {
        let e = counts.entry(area(&f.section)).or_default();
        e.1 += 1;
        if d.contains(&f.name) {
            e.0 += 1;
        }
    }
    for (a, (have, total)) in &counts {
        println!("{a:>5}: {have:>3} of {total:>3} declared");
    }
    let (have, total) = counts.values().fold((0, 0), |s, c| (s.0 + c.0, s.1 + c.1));
    println!("total: {have:>3} of {total:>3} (cnats 3.14, without streaming; nats_CheckCompatibility is a macro)");

    for list in [PENDING_CORE, UNSUPPORTED_CORE] {
        for f in list {
            let cf = all.iter().find(|c| c.name == *f);
            assert!(
                cf.is_some_and(|c| area(&c.section) == "core"),
                "{f}: not a core function of cnats 3.14"
            );
        }
    }
    let stale: Vec<&&str> = PENDING_CORE.iter().filter(|f| d.contains(**f)).collect();
    assert!(
        stale.is_empty(),
        "declared now, remove from PENDING_CORE in tests/api_coverage.rs: {stale:?}"
    );
    let missing: Vec<&str> = all
        .iter()
        .filter(|f| area(&f.section) == "core" && !d.contains(&f.name))
        .map(|f| f.name.as_str())
        .filter(|n| !PENDING_CORE.contains(n) && !UNSUPPORTED_CORE.contains(n))
        .collect();
    assert!(
        missing.is_empty(),
        "core functions of cnats 3.14 not declared: {missing:?}"
    );
    assert!(names.len() == all.len(), "names are unique in the fact table");
}

#[test]
fn jetstream_kv_object_store_and_services_gaps_are_the_listed_ones() {
    let d = declared();
    let all = cnats_linkable();
    for a in ["js", "kv", "obj", "micro"] {
        let missing: Vec<&str> = all
            .iter()
            .filter(|f| area(&f.section) == a && !d.contains(&f.name))
            .map(|f| f.name.as_str())
            .collect();
        let expected: &[&str] = if a == "js" { JS_EXPECTED_MISSING } else { &[] };
        assert_eq!(
            missing, expected,
            "{a}: undeclared functions differ from the expected list"
        );
    }
}

#[test]
fn the_header_declares_nothing_beyond_cnats_and_the_listed_extensions() {
    let d = declared();
    let functions = cnats_functions();
    let streaming: BTreeSet<&str> = functions
        .iter()
        .filter(|f| f.condition == "NATS_HAS_STREAMING")
        .map(|f| f.name.as_str())
        .collect();
    let linkable: BTreeSet<String> = cnats_linkable().into_iter().map(|f| f.name).collect();
    for e in RNATS_EXTENSIONS {
        assert!(
            e.starts_with("rnats"),
            "{e}: extensions are named rnats_* or rnats<Type>_*"
        );
        assert!(!linkable.contains(*e), "{e} is a cnats function, not an extension");
    }
    let extra: Vec<&String> = d
        .iter()
        .filter(|n| !linkable.contains(*n) && !RNATS_EXTENSIONS.contains(&n.as_str()))
        .collect();
    assert!(
        extra.is_empty(),
        "declared but not cnats 3.14 functions (nor listed extensions): {extra:?}"
    );
    let stan: Vec<&String> = d.iter().filter(|n| streaming.contains(n.as_str())).collect();
    assert!(
        stan.is_empty(),
        "NATS Streaming is not supported, yet declared: {stan:?}"
    );
}
