#!/usr/bin/env python3
"""License check and third-party notices, from `cargo metadata`.

    python3 scripts/check_licenses.py            check (part of scripts/test.sh)
    python3 scripts/check_licenses.py --update   rewrite THIRD_PARTY_NOTICES

Checks:
  1. Every package in the locked dependency graph has an SPDX license
     expression that the allow-list below satisfies. Packages that end up in
     libnats (normal dependencies, not proc-macros) must be satisfied by
     ALLOWED (as must the proc-macros that generate code for them); build
     tools and test-only packages by ALLOWED_TOOLING.
  2. THIRD_PARTY_NOTICES is exactly what this script generates: one entry
     per package linked into libnats (name, version, license, repository),
     then the full license files of the crates listed in FULL_TEXT (they
     bundle code under further notices: ring's BoringSSL/OpenSSL-derived
     code, webpki-roots' Mozilla CA data).

Needs only python3 and cargo (offline, --locked).
"""
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTICES = os.path.join(ROOT, "THIRD_PARTY_NOTICES")

# Permissive licenses acceptable for code linked into the library.
ALLOWED = {
    "Apache-2.0",
    "BSD-1-Clause",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "CDLA-Permissive-2.0",
    "ISC",
    "MIT",
    "Unicode-3.0",
    "Unlicense",
    "Zlib",
}
# Also acceptable for packages only used to build or test (never shipped):
# cbindgen (the header generator) is MPL-2.0.
ALLOWED_TOOLING = ALLOWED | {"MPL-2.0"}
ALLOWED_EXCEPTIONS = {"LLVM-exception"}

# Crates whose license files are reproduced in full.
FULL_TEXT = ["ring", "webpki-roots"]


def metadata():
    out = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--locked", "--offline",
         "--manifest-path", os.path.join(ROOT, "Cargo.toml")],
        check=True, stdout=subprocess.PIPE, cwd=ROOT).stdout
    return json.loads(out)


def tokenize(expr):
    return re.findall(r"\(|\)|[A-Za-z0-9.+\-]+", expr.replace("/", " OR "))


def satisfied(expr, allowed):
    """Evaluates an SPDX expression: OR needs one allowed side, AND both;
    `X WITH e` needs X allowed and e a known exception."""
    toks = tokenize(expr)
    pos = 0

    def peek():
        return toks[pos] if pos < len(toks) else None

    def take():
        nonlocal pos
        pos += 1
        return toks[pos - 1]

    def primary():
        t = take()
        if t == "(":
            v = disjunction()
            if take() != ")":
                raise ValueError("unbalanced parentheses in %r" % expr)
            return v
        ok = t in allowed
        if peek() == "WITH":
            take()
            ok = ok and take() in ALLOWED_EXCEPTIONS
        return ok

    def conjunction():
        v = primary()
        while peek() == "AND":
            take()
            v = primary() and v
        return v

    def disjunction():
        v = conjunction()
        while peek() == "OR":
            take()
            v = conjunction() or v
        return v

    v = disjunction()
    if pos != len(toks):
        raise ValueError("cannot parse license expression %r" % expr)
    return v


def normal_closure(meta):
    """The normal (non-build, non-dev) dependency closure of the root: what
    goes into libnats, plus the proc-macros that generate code for it."""
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    seen, todo = set(), [meta["resolve"]["root"]]
    while todo:
        nid = todo.pop()
        for dep in nodes[nid]["deps"]:
            if any(k["kind"] is None for k in dep["dep_kinds"]) and dep["pkg"] not in seen:
                seen.add(dep["pkg"])
                todo.append(dep["pkg"])
    return seen


def is_proc_macro(pkg):
    return any("proc-macro" in t["kind"] for t in pkg["targets"])


def linked_ids(meta, normal):
    """Packages linked into libnats: the normal closure without the
    proc-macro crates and what only they depend on."""
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    pkgs = {p["id"]: p for p in meta["packages"]}
    seen, todo = set(), [meta["resolve"]["root"]]
    while todo:
        nid = todo.pop()
        for dep in nodes[nid]["deps"]:
            if dep["pkg"] not in normal or is_proc_macro(pkgs[dep["pkg"]]):
                continue
            if any(k["kind"] is None for k in dep["dep_kinds"]) and dep["pkg"] not in seen:
                seen.add(dep["pkg"])
                todo.append(dep["pkg"])
    return seen


def license_files(pkg):
    d = os.path.dirname(pkg["manifest_path"])
    names = sorted(f for f in os.listdir(d) if re.match(r"(LICEN[CS]E|COPYING|NOTICE)", f, re.I))
    return [(f, os.path.join(d, f)) for f in names]


def render(meta, shipped):
    pkgs = sorted((p for p in meta["packages"] if p["id"] in shipped),
                  key=lambda p: (p["name"], p["version"]))
    out = []
    out.append("Third-party software in libnats (rnats)\n")
    out.append("=======================================\n\n")
    out.append("rnats is licensed under the Apache License 2.0 (see LICENSE). The\n"
               "library links the following Rust crates (the normal dependency\n"
               "closure of Cargo.lock, all platforms). Each is used under the license\n"
               "shown (an SPDX expression; for OR, rnats may use any one).\n\n"
               "GENERATED by scripts/check_licenses.py --update: do not edit.\n\n")
    w = max(len("%s %s" % (p["name"], p["version"])) for p in pkgs)
    for p in pkgs:
        nv = "%s %s" % (p["name"], p["version"])
        out.append("%-*s  %s\n%-*s  %s\n" % (w, nv, p["license"] or "(see license file)",
                                            w, "", p.get("repository") or "(no repository given)"))
    for name in FULL_TEXT:
        for p in pkgs:
            if p["name"] != name:
                continue
            for fname, path in license_files(p):
                out.append("\n\n" + "-" * 72 + "\n")
                out.append("%s %s: %s\n" % (p["name"], p["version"], fname))
                out.append("-" * 72 + "\n\n")
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                out.append(text.rstrip("\n") + "\n")
    return "".join(out)


def self_test():
    """The evaluator must refuse as well as accept."""
    cases = [
        ("MIT OR Apache-2.0", True),
        ("MIT/Apache-2.0", True),
        ("Apache-2.0 AND ISC", True),
        ("(MIT OR Apache-2.0) AND Unicode-3.0", True),
        ("Apache-2.0 WITH LLVM-exception OR MIT", True),
        ("GPL-3.0-only OR MIT", True),
        ("GPL-3.0-only AND MIT", False),
        ("MPL-2.0", False),
        ("(MIT OR Apache-2.0) AND GPL-2.0-only", False),
        ("Apache-2.0 WITH Unknown-exception", False),
    ]
    for expr, want in cases:
        assert satisfied(expr, ALLOWED) == want, "self-test: %r" % expr


def main():
    self_test()
    update = "--update" in sys.argv[1:]
    meta = metadata()
    normal = normal_closure(meta)
    shipped = linked_ids(meta, normal)
    root = meta["resolve"]["root"]
    bad = []
    for p in meta["packages"]:
        if p["id"] == root:
            continue
        expr = p["license"]
        allowed = ALLOWED if p["id"] in normal else ALLOWED_TOOLING
        if not expr:
            bad.append("%s %s: no SPDX license expression (license-file only)" % (p["name"], p["version"]))
        elif not satisfied(expr, allowed):
            where = "normal dependency" if p["id"] in normal else "build/test only"
            bad.append("%s %s: %r not allowed (%s)" % (p["name"], p["version"], expr, where))
    missing = [n for n in FULL_TEXT
               if not any(p["name"] == n and p["id"] in shipped for p in meta["packages"])]
    if missing:
        bad.append("FULL_TEXT names crates that are not linked: %s" % ", ".join(missing))
    if bad:
        print("license check FAILED:\n  " + "\n  ".join(bad), file=sys.stderr)
        return 1

    text = render(meta, shipped)
    if update:
        with open(NOTICES, "w", encoding="utf-8") as f:
            f.write(text)
        print("wrote %s (%d packages)" % (os.path.relpath(NOTICES, ROOT), len(shipped)))
        return 0
    try:
        with open(NOTICES, encoding="utf-8") as f:
            current = f.read()
    except FileNotFoundError:
        current = None
    if current != text:
        print("THIRD_PARTY_NOTICES is %s: run `python3 scripts/check_licenses.py --update` "
              "and commit the result" % ("missing" if current is None else "stale"), file=sys.stderr)
        return 1
    print("licenses ok: %d packages checked, %d linked into libnats, THIRD_PARTY_NOTICES current"
          % (len(meta["packages"]) - 1, len(shipped)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
