#!/usr/bin/env python3
"""Generates the C tests' NKeys, NATS JWTs, creds file and server
configuration at test time (the CTest fixture c_test_keys).

Usage: gen_keys.py <output directory>

Only the Python standard library and the `openssl` command (OpenSSL 3:
Ed25519 with `pkeyutl -rawin`) are used. Fresh random keys every run; no
key material is checked in. Files written (one value each, newline
terminated, except the multi-line creds and configuration):

  nkey.seed, nkey.pub    a user NKey pair for `authorization { users:
                         [ {nkey: ...} ] }` servers
  other.seed             a user seed no server knows
  operator.jwt           the self-signed operator JWT
  account.pub, account.jwt
                         the account, signed by the operator
  user.seed, user.pub, user.jwt
                         the user, signed by the account
  user.creds             the user's creds file (nsc layout)
  operator.conf          nats-server configuration: trust the operator,
                         memory resolver preloaded with the account

Before writing anything the encoder is checked against the NATS docs'
published NKey example (seed -> public key, and the signature of the
bytes "nonce"), so a broken encoding fails here and not as an
authorization error in some C test.
"""

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

# NKey type bytes (the first character of the encoded text).
PREFIX_SEED = 18 << 3  # 'S'
PREFIX_OPERATOR = 14 << 3  # 'O'
PREFIX_ACCOUNT = 0  # 'A'
PREFIX_USER = 20 << 3  # 'U'

# The NATS docs' NKey example (a public known-answer vector, not a
# credential of anything): its public key and the base64url Ed25519
# signature of the 5 bytes "nonce".
DOCS_SEED = "SUACSSL3UAHUDXKFSNVUZRF5UHPMWZ6BFDTJ7M6USDXIEDNPPQYYYCU3VY"
DOCS_PUB = "UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4"
DOCS_NONCE_SIG = "AVfpO7Pw3rc56hoO1OJcFxXUCfBmO2qouchBchSlL45Fuur9zS15UzytEI1QC5wwVG7uiHIdqyfmOS6uPrwqCg"

# PKCS#8 DER of an Ed25519 private key is this prefix + the 32-byte seed.
PKCS8_ED25519_PREFIX = bytes.fromhex("302e020100300506032b657004220420")


def crc16(data):
    """CRC-16/XMODEM (poly 0x1021, init 0)."""
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def encode(raw):
    """base32 (no padding) of raw + CRC16 little-endian."""
    c = crc16(raw)
    return base64.b32encode(raw + bytes([c & 0xFF, c >> 8])).decode().rstrip("=")


def decode(text):
    pad = "=" * (-len(text) % 8)
    raw = base64.b32decode(text + pad)
    body, c = raw[:-2], raw[-2] | (raw[-1] << 8)
    if crc16(body) != c:
        raise ValueError("invalid checksum in " + text[:2] + "...")
    return body


def encode_public(prefix, pub):
    return encode(bytes([prefix]) + pub)


def encode_seed(prefix, seed):
    return encode(bytes([PREFIX_SEED | (prefix >> 5), (prefix & 31) << 3]) + seed)


def seed_bytes(seed_text):
    raw = decode(seed_text)
    if len(raw) != 34 or raw[0] & 0xF8 != PREFIX_SEED:
        raise ValueError("not an NKey seed")
    return raw[2:]


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class Ed25519:
    """One Ed25519 key, driven through the openssl command."""

    def __init__(self, workdir, seed):
        self.seed = seed
        fd, self.der = tempfile.mkstemp(dir=workdir, suffix=".der")
        with os.fdopen(fd, "wb") as f:
            f.write(PKCS8_ED25519_PREFIX + seed)
        out = openssl("pkey", "-inform", "DER", "-in", self.der, "-pubout", "-outform", "DER")
        if len(out) < 32:
            raise RuntimeError("openssl pkey -pubout: short output")
        self.pub = out[-32:]
        self.workdir = workdir

    def sign(self, data):
        fd, path = tempfile.mkstemp(dir=self.workdir)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        sig = openssl("pkeyutl", "-sign", "-rawin", "-keyform", "DER", "-inkey", self.der, "-in", path)
        os.unlink(path)
        if len(sig) != 64:
            raise RuntimeError("openssl pkeyutl -sign: expected a 64-byte Ed25519 signature, got %d" % len(sig))
        return sig


def openssl(*args):
    exe = shutil.which("openssl")
    if exe is None:
        sys.exit("gen_keys.py: the openssl command is not installed (scripts/setup.sh test installs it)")
    p = subprocess.run([exe, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.exit("gen_keys.py: openssl %s failed: %s" % (args[0], p.stderr.decode(errors="replace").strip()))
    return p.stdout


class NKey:
    def __init__(self, workdir, prefix, seed=None):
        self.key = Ed25519(workdir, seed if seed is not None else os.urandom(32))
        self.prefix = prefix
        self.public = encode_public(prefix, self.key.pub)
        self.seed = encode_seed(prefix, self.key.seed)

    def sign(self, data):
        return self.key.sign(data)


_jti = [0]


def jwt(issuer, claims):
    """A NATS JWT: header.claims.signature, signed by `issuer`."""
    _jti[0] += 1
    claims = dict(claims)
    claims["iss"] = issuer.public
    claims["iat"] = int(time.time())
    claims["jti"] = "RNATSCTEST%dX%dX%d" % (time.time_ns(), os.getpid(), _jti[0])
    header = b64url(b'{"typ":"JWT","alg":"ed25519-nkey"}')
    body = b64url(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    signing_input = header + "." + body
    return signing_input + "." + b64url(issuer.sign(signing_input.encode()))


def creds(user_jwt, user_seed):
    return (
        "-----BEGIN NATS USER JWT-----\n%s\n------END NATS USER JWT------\n\n"
        "************************* IMPORTANT *************************\n"
        "NKEY Seed printed below can be used to sign and prove identity.\n"
        "NKEYs are sensitive and should be treated as secrets.\n\n"
        "-----BEGIN USER NKEY SEED-----\n%s\n------END USER NKEY SEED------\n\n"
        "*************************************************************\n" % (user_jwt, user_seed)
    )


def self_check(workdir):
    docs = NKey(workdir, PREFIX_USER, seed_bytes(DOCS_SEED))
    if docs.seed != DOCS_SEED:
        sys.exit("gen_keys.py: seed encoding does not round-trip the docs' example seed")
    if docs.public != DOCS_PUB:
        sys.exit("gen_keys.py: public key %s, the docs say %s" % (docs.public, DOCS_PUB))
    if b64url(docs.sign(b"nonce")) != DOCS_NONCE_SIG:
        sys.exit("gen_keys.py: the signature of \"nonce\" differs from the known answer")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen_keys.py <output directory>")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="rnats-keys-")
    try:
        self_check(work)

        nkey_user = NKey(work, PREFIX_USER)
        other = NKey(work, PREFIX_USER)
        operator = NKey(work, PREFIX_OPERATOR)
        account = NKey(work, PREFIX_ACCOUNT)
        user = NKey(work, PREFIX_USER)

        operator_jwt = jwt(
            operator,
            {"sub": operator.public, "name": "rnats-c-test-operator", "nats": {"type": "operator", "version": 2}},
        )
        account_jwt = jwt(
            operator,
            {
                "sub": account.public,
                "name": "rnats-c-test-account",
                "nats": {
                    "limits": {
                        "subs": -1,
                        "data": -1,
                        "payload": -1,
                        "imports": -1,
                        "exports": -1,
                        "wildcards": True,
                        "conn": -1,
                        "leaf": -1,
                    },
                    "default_permissions": {"pub": {}, "sub": {}},
                    "type": "account",
                    "version": 2,
                },
            },
        )
        user_jwt = jwt(
            account,
            {
                "sub": user.public,
                "name": "rnats-c-test-user",
                "nats": {
                    "pub": {},
                    "sub": {},
                    "subs": -1,
                    "data": -1,
                    "payload": -1,
                    "type": "user",
                    "version": 2,
                },
            },
        )
        conf = 'operator: "%s"\nresolver: MEMORY\nresolver_preload: {\n  %s: "%s"\n}\n' % (
            operator_jwt,
            account.public,
            account_jwt,
        )

        files = {
            "nkey.seed": nkey_user.seed + "\n",
            "nkey.pub": nkey_user.public + "\n",
            "other.seed": other.seed + "\n",
            "operator.jwt": operator_jwt + "\n",
            "account.pub": account.public + "\n",
            "account.jwt": account_jwt + "\n",
            "user.seed": user.seed + "\n",
            "user.pub": user.public + "\n",
            "user.jwt": user_jwt + "\n",
            "user.creds": creds(user_jwt, user.seed),
            "operator.conf": conf,
        }
        for name, text in files.items():
            path = os.path.join(out, name)
            tmp = path + ".tmp"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(text)
            os.replace(tmp, path)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
