//! nginx with a master and two workers, traced while it serves real requests
//! over loopback, then stopped cleanly with SIGQUIT. Both return-value modes.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const REQUESTS: usize = 200;

fn nginx() -> Option<PathBuf> {
    ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Server {
    dir: PathBuf,
    tracer: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.tracer.kill();
        let _ = self.tracer.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn start(mode: &[&str], name: &str) -> Server {
    let nginx = nginx().expect("nginx is not installed: run scripts/install-deps.sh");
    let dir = std::env::temp_dir().join(format!("my-sysdig-nginx-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("logs")).unwrap();
    let port = free_port();
    let d = dir.display();
    let conf = format!(
        "worker_processes 2;\npid {d}/nginx.pid;\nerror_log {d}/logs/error.log warn;\n\
         events {{ worker_connections 256; }}\n\
         http {{\n access_log off;\n client_body_temp_path {d}/body;\n proxy_temp_path {d}/proxy;\n\
         fastcgi_temp_path {d}/fastcgi;\n uwsgi_temp_path {d}/uwsgi;\n scgi_temp_path {d}/scgi;\n\
         server {{ listen 127.0.0.1:{port}; location / {{ return 200 \"hello from nginx\\n\"; }} }}\n}}\n"
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let mut args: Vec<String> = vec!["exec".into()];
    args.extend(mode.iter().map(|s| s.to_string()));
    args.extend([
        "--format".into(),
        "json".into(),
        "-o".into(),
        dir.join("trace.json").display().to_string(),
        "--".into(),
        nginx.display().to_string(),
        "-p".into(),
        dir.display().to_string(),
        "-c".into(),
        dir.join("nginx.conf").display().to_string(),
        "-g".into(),
        "daemon off;".into(),
    ]);
    let tracer = Command::new(env!("CARGO_BIN_EXE_my-sysdig"))
        .args(&args)
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server { dir, tracer, port };
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "nginx did not start listening under the tracer"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

fn get(port: u16) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    resp
}

fn records(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad record {l}: {e}")))
        .collect()
}

fn serve_and_stop(mode: &[&str], name: &str) -> (Vec<serde_json::Value>, i32) {
    let mut srv = start(mode, name);
    // The connection made to see the port open counts as one accept.
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let port = srv.port;
            std::thread::spawn(move || {
                for _ in 0..REQUESTS / 4 {
                    let r = get(port);
                    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
                    assert!(r.ends_with("hello from nginx\n"), "{r}");
                }
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
    let pid: i32 = std::fs::read_to_string(srv.dir.join("nginx.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // SAFETY: plain kill(2) of the nginx master we started.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGQUIT) }, 0);
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = srv.tracer.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "tracer did not exit after nginx was stopped"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    (
        records(&srv.dir.join("trace.json")),
        status.code().unwrap_or(-1),
    )
}

/// `addr`: accept4's peer address is read at exit (not with `--exit-via perf`).
fn check(mode: &[&str], name: &str, with_ret: bool, addr: bool) {
    let (recs, code) = serve_and_stop(mode, name);
    assert_eq!(code, 0, "nginx under the tracer exits 0 after SIGQUIT");
    let procs: std::collections::BTreeSet<i64> = recs
        .iter()
        .filter(|r| r["comm"] == "nginx")
        .map(|r| r["pid"].as_i64().unwrap())
        .collect();
    assert!(procs.len() >= 3, "master and two workers traced: {procs:?}");
    let accepts: Vec<_> = recs.iter().filter(|r| r["syscall"] == "accept4").collect();
    let writes = recs
        .iter()
        .filter(|r| {
            r["syscall"] == "writev" || r["syscall"] == "write" || r["syscall"] == "sendfile"
        })
        .count();
    assert!(writes >= REQUESTS, "a response write per request: {writes}");
    if with_ret {
        let ok = accepts
            .iter()
            .filter(|r| r["res"].as_i64().unwrap_or(-1) >= 0)
            .count();
        // Every request plus the readiness probe was accepted exactly once.
        assert_eq!(ok, REQUESTS + 1);
        for a in accepts.iter().filter(|r| r["err"].is_null() && addr) {
            assert_eq!(a["args"]["addr"]["sa_family"], "AF_INET", "{a}");
            assert_eq!(a["args"]["addr"]["sin_addr"], "127.0.0.1", "{a}");
        }
    } else {
        // Without return values, EAGAIN attempts are recorded too.
        assert!(accepts.len() > REQUESTS, "{}", accepts.len());
        assert!(accepts.iter().all(|r| r["res"].is_null()));
    }
}

#[test]
fn nginx_master_and_workers_with_return_values() {
    check(&[], "ptrace", true, true);
}

/// Return values from perf only, the case issue 5 measures: one record with a result
/// per call.
#[test]
fn nginx_return_values_through_perf() {
    check(
        &[
            "--exit-via",
            "perf",
            "--only",
            "socket,bind,listen,accept4,close,writev",
            "-s",
            "0",
        ],
        "perf",
        true,
        false,
    );
}

/// Under --no-ret a signal that lands before a trapped call is received interrupts it
/// (README, "Notified calls and signals"): the master's calls during the SIGCHLD storm
/// of a graceful stop are left untraced here (its start-up calls are), so the test
/// checks what --no-ret promises; the default mode above traces everything.
#[test]
fn nginx_master_and_workers_no_ret() {
    check(
        &[
            "--no-ret",
            "--only",
            "socket,bind,listen,accept4,writev,recvfrom",
        ],
        "noret",
        false,
        false,
    );
}

#[test]
fn nginx_only_accept_read_write() {
    let (recs, code) = serve_and_stop(&["--only", "accept4,read,write,writev"], "only");
    assert_eq!(code, 0);
    let names: std::collections::BTreeSet<&str> = recs
        .iter()
        .map(|r| r["syscall"].as_str().unwrap())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| ["accept4", "read", "write", "writev"].contains(n)),
        "{names:?}"
    );
    let ok = recs
        .iter()
        .filter(|r| r["syscall"] == "accept4" && r["res"].as_i64().unwrap_or(-1) >= 0)
        .count();
    assert_eq!(ok, REQUESTS + 1);
}

/// Capture while nginx serves (`-w` beside `-o`), then replay: the same
/// records, in the same order, as the live run wrote.
#[test]
fn nginx_capture_replays_as_live() {
    let cap = std::env::temp_dir().join(format!("my-sysdig-nginx-{}.cap", std::process::id()));
    let cap_s = cap.display().to_string();
    let (live, code) = serve_and_stop(&["-w", &cap_s, "-y"], "capture");
    assert_eq!(code, 0);
    let again = cap.with_extension("again");
    let out = Command::new(env!("CARGO_BIN_EXE_my-sysdig"))
        .args(["read", &cap_s, "--format", "json", "-y", "-o"])
        .arg(&again)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let replayed = records(&again);
    let _ = std::fs::remove_file(&cap);
    let _ = std::fs::remove_file(&again);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(live.len() > REQUESTS * 5, "{}", live.len());
    assert_eq!(live.len(), replayed.len());
    for (i, (l, r)) in live.iter().zip(&replayed).enumerate() {
        assert_eq!(l, r, "record {i} differs");
    }
}
