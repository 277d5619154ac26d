//! Workers of one benchmark meeting at a real S3-compatible server: moto's, from PyPI (installed
//! into `target/s3/venv` on first use), started on 127.0.0.1 at an ephemeral port. The workers
//! reach it as they reach AWS: the URL is `s3://bucket/prefix`, the endpoint and credentials
//! come from `AWS_*` variables, and none of them appears in any output or export.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{dir, json, ok, records};

/// moto's version, pinned.
const MOTO: &str = "moto[server]==5.2.6";

/// A credential that must never be printed or exported.
const SECRET: &str = "s3cr3t-never-shown-4711";

/// moto's server, stopped when dropped.
struct Moto {
    child: Child,
    port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// moto_server from the venv, installed there on first use.
fn moto_server() -> PathBuf {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../s3/venv");
    let server = venv.join("bin/moto_server");
    if !server.is_file() {
        let status = Command::new("python3").arg("-m").arg("venv").arg(&venv).status().expect("python3 runs");
        assert!(status.success(), "cannot make a venv at {}", venv.display());
        let status = Command::new(venv.join("bin/pip")).args(["install", "--quiet", MOTO]).status().expect("pip runs");
        assert!(status.success(), "cannot install {MOTO} from PyPI");
    }
    server
}

fn start_moto() -> Moto {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(moto_server())
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("moto_server starts");
    let moto = Moto { child, port };
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto_server did not listen on {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
    moto
}

/// Creates `bucket` (path-style CreateBucket; moto does not check signatures).
fn create_bucket(port: u16, bucket: &str) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(stream, "PUT /{bucket} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

fn with_s3_env(command: &mut Command, port: u16) -> &mut Command {
    command
        .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}"))
        .env("AWS_ALLOW_HTTP", "true")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("AWS_REGION", "us-east-1")
}

#[test]
fn workers_meet_and_merge_through_an_s3_server() {
    let root = dir("workers-s3", "moto");
    let moto = start_moto();
    create_bucket(moto.port, "bench");
    let url = "s3://bench/runs/first";
    let load = ["--concurrency", "4", "--request-count", "40"];
    let children: Vec<Child> = (0..2)
        .map(|i| with_s3_env(&mut common::worker(i, 2, url, &root.join(format!("pod-{i}")), &load), moto.port).spawn().unwrap())
        .collect();
    let mut printed = String::new();
    for child in children {
        let output = child.wait_with_output().unwrap();
        printed.push_str(&String::from_utf8_lossy(&output.stderr));
        printed.push_str(&ok(&output));
    }
    assert!(printed.contains("every worker merged"), "{printed}");
    // By hand, from the bucket.
    let merged = root.join("merged");
    let mut by_hand = Command::new(env!("CARGO_BIN_EXE_aiperf"));
    by_hand.args(["merge", url, "--output-artifact-dir"]).arg(&merged);
    let output = with_s3_env(&mut by_hand, moto.port).output().unwrap();
    printed.push_str(&ok(&output));
    let summary = json(&merged.join("profile_export_aiperf.json"));
    assert_eq!(summary["request_count"]["avg"], 40.0);
    assert_eq!(summary["workers"]["merged"], serde_json::json!([0, 1]));
    assert_eq!(records(&merged).len(), 40);
    // No credential in any output or export.
    assert!(!printed.contains(SECRET));
    for entry in common::walk(&root) {
        let text = String::from_utf8_lossy(&std::fs::read(&entry).unwrap()).into_owned();
        assert!(!text.contains(SECRET), "{} shows the secret", entry.display());
    }
    // A bucket that is not there: the error names the URL, never the credentials.
    let mut missing = Command::new(env!("CARGO_BIN_EXE_aiperf"));
    missing.args(["merge", "s3://no-such-bucket/x", "--output-artifact-dir"]).arg(root.join("missing"));
    let output = with_s3_env(&mut missing, moto.port).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("s3://no-such-bucket/x") && !stderr.contains(SECRET), "{stderr}");
    drop(moto);
    std::fs::remove_dir_all(root).unwrap();
}
