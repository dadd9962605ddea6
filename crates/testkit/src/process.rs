//! The real binaries as separate processes, for what only a process shows: logs, signals,
//! a crash.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The path of a workspace binary, built first if this test run did not build it.
pub fn binary(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let path = target.join("debug").join(name);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let built = Command::new(cargo)
        .args(["build", "--quiet", "--bin", name])
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .status()
        .expect("cargo runs");
    assert!(built.success(), "building {name} failed");
    path
}

/// A running binary whose stderr goes to a file; killed when dropped.
pub struct Running {
    pub child: Child,
    pub log: PathBuf,
}

impl Running {
    pub fn start(binary: &Path, env: &[(&str, String)], log: PathBuf) -> Running {
        let file = File::create(&log).expect("log file");
        let child = Command::new(binary)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .expect("binary starts");
        Running { child, log }
    }

    /// Sends a signal (`TERM`, `KILL`, ...) with the system's `kill`.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([format!("-{name}"), self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    pub fn wait(&mut self) -> std::process::ExitStatus {
        self.child.wait().expect("waited")
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free local port (bound and released: good enough for a test).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Waits until `GET url` answers 200.
pub async fn wait_ready(url: &str) {
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if client
            .get(url)
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{url} never became ready");
}
