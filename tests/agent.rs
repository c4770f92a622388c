//! `my-sysdig agent` with real containers: runc (Debian's 1.1.5) starts
//! busybox containers from bundles built here (`runc spec`, a rootfs with
//! busybox-static), with the seccomp profile `my-sysdig profile` writes;
//! the agent receives their listeners on its socket. Needs root, runc and
//! busybox-static (`scripts/install-deps.sh`); without them each test says
//! so and passes, unless `CI` is set.

mod common;

use common::{TRACER, TempDir, parse_records, run_with_timeout};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const BUSYBOX: &str = "/bin/busybox";

/// Whether runc containers can run here; says why not otherwise.
fn ready() -> bool {
    let why = if !nix_is_root() {
        "not root"
    } else if Command::new("runc").arg("--version").output().is_err() {
        "no runc"
    } else if !Path::new(BUSYBOX).exists() {
        "no /bin/busybox (busybox-static)"
    } else {
        return true;
    };
    if std::env::var_os("CI").is_some() {
        panic!("agent tests need root, runc and busybox-static: {why}");
    }
    eprintln!("SKIPPED: agent tests need root, runc and busybox-static ({why})");
    false
}

fn nix_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

static IDS: AtomicUsize = AtomicUsize::new(0);

/// A container id no other test (or run) uses.
fn unique_id(tag: &str) -> String {
    format!(
        "msd-{}-{}-{tag}",
        std::process::id(),
        IDS.fetch_add(1, Ordering::Relaxed)
    )
}

/// A running agent: its socket, records (JSON) and log.
struct Agent {
    child: Child,
    socket: PathBuf,
    out: PathBuf,
    log: PathBuf,
}

impl Agent {
    fn start(dir: &TempDir, extra: &[&str]) -> Agent {
        let socket = dir.join("agent.sock");
        let out = dir.join("records.json");
        let log = dir.join("agent.log");
        let child = Command::new(TRACER)
            .arg("agent")
            .arg("--socket")
            .arg(&socket)
            .arg("-o")
            .arg(&out)
            .args(["--format", "json"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start the agent");
        let a = Agent {
            child,
            socket,
            out,
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !a.log_text().contains("listening on") {
            assert!(
                Instant::now() < deadline,
                "the agent did not start: {}",
                a.log_text()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        a
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on our own child.
        unsafe { libc_kill(self.pid(), sig) };
    }

    /// SIGTERM, then its exit status (it must end within 10 s).
    /// `my-sysdig profile --only ONLY` for this agent's socket.
    fn profile(&self, only: &str) -> Value {
        profile(&["--only", only, "--socket", self.socket.to_str().unwrap()])
    }

    fn stop(mut self) -> (std::process::ExitStatus, String, Vec<Value>) {
        self.signal(15);
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                break st;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the agent did not stop on SIGTERM: {}", self.log_text());
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let raw = std::fs::read_to_string(&self.out).unwrap_or_default();
        let recs = parse_records(&raw, "agent");
        (status, self.log_text(), recs)
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

/// A runc bundle: `runc spec`'s config with our process and profile, a
/// rootfs with busybox-static and its applets.
struct Bundle {
    dir: PathBuf,
}

fn rootfs(dir: &Path) -> PathBuf {
    let root = dir.join("rootfs");
    for d in ["bin", "etc", "tmp", "proc", "dev", "sys"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::copy(BUSYBOX, root.join("bin/busybox")).unwrap();
    let st = Command::new("chroot")
        .arg(&root)
        .args(["/bin/busybox", "--install", "-s", "/bin"])
        .status()
        .expect("chroot");
    assert!(st.success(), "busybox --install");
    std::fs::write(root.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n").unwrap();
    root
}

impl Bundle {
    fn new(dir: &Path, script: &str, profile: &Value, annotations: &Value) -> Bundle {
        std::fs::create_dir_all(dir).unwrap();
        rootfs(dir);
        let st = Command::new("runc")
            .arg("spec")
            .current_dir(dir)
            .status()
            .unwrap();
        assert!(st.success(), "runc spec");
        let path = dir.join("config.json");
        let mut c: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        c["process"]["terminal"] = json!(false);
        c["process"]["args"] = json!(["/bin/sh", "-c", script]);
        c["root"]["readonly"] = json!(false);
        // A cgroup of its own (runc derives it from the id otherwise: two
        // containers of one id under two runc roots would share it).
        c["linux"]["cgroupsPath"] = json!(format!("/{}", unique_id("cg")));
        c["linux"]["seccomp"] = profile.clone();
        c["annotations"] = annotations.clone();
        std::fs::write(&path, serde_json::to_string_pretty(&c).unwrap()).unwrap();
        Bundle {
            dir: dir.to_path_buf(),
        }
    }

    fn file(&self, inside: &str) -> PathBuf {
        self.dir.join("rootfs").join(inside.trim_start_matches('/'))
    }

    /// `runc run` in the foreground: its output and exit status.
    fn run(&self, id: &str) -> common::Output {
        self.run_with(id, &[])
    }

    fn run_with(&self, id: &str, global: &[&str]) -> common::Output {
        // Deleted however this ends (a failed assertion, a timeout): a
        // container is in its own pid namespace and cgroup, and outlives
        // the `runc run` the timeout kills.
        let _cleanup = Deleter {
            id: id.to_string(),
            global: global.iter().map(|s| s.to_string()).collect(),
        };
        run_with_timeout(
            Command::new("runc")
                .args(global)
                .args(["run", "--bundle"])
                .arg(&self.dir)
                .arg(id),
            Duration::from_secs(60),
        )
    }
}

/// `runc delete -f ID` when dropped.
struct Deleter {
    id: String,
    global: Vec<String>,
}

impl Drop for Deleter {
    fn drop(&mut self) {
        let _ = Command::new("runc")
            .args(&self.global)
            .args(["delete", "-f", &self.id])
            .stderr(Stdio::null())
            .status();
    }
}

/// `my-sysdig profile ARGS`, parsed.
fn profile(args: &[&str]) -> Value {
    let out = common::run_tracer(&[&["profile"], args].concat());
    out.assert_code(0);
    serde_json::from_slice(&out.stdout).expect("profile is JSON")
}

/// Records of the container's own program: runc's init process calls a few
/// traced calls between loading the filter and exec'ing the command
/// (closing its descriptors), under its own name.
fn program_records<'a>(recs: &'a [Value], id: &str) -> Vec<&'a Value> {
    recs.iter()
        .filter(|r| r["container"]["id"] == id && r["comm"] != "runc:[2:INIT]")
        .collect()
}

fn counts(recs: &[&Value]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for r in recs {
        *m.entry(r["syscall"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
    }
    m
}

fn path_of(r: &Value) -> Option<&str> {
    r["args"]["pathname"].as_str()
}

const SCRIPT: &str = "cat /etc/passwd; ls /; mkdir /tmp/d; echo hi > /tmp/x; cat /tmp/x";
const CALLS: &str = "openat,getdents64,mkdir,close";

/// One busybox container: its records carry the container (id, name from
/// the annotations, metadata from the profile), paths are decoded from its
/// memory, and per-call counts equal strace -f's on the same script run
/// by busybox outside a container (chroot into the same rootfs).
#[test]
fn one_container_matches_strace() {
    if !ready() {
        return;
    }
    let dir = TempDir::new("agent1");
    let agent = Agent::start(&dir, &["-w", &dir.join_str("cap")]);
    let prof = profile(&[
        "--only",
        CALLS,
        "--socket",
        agent.socket.to_str().unwrap(),
        "--metadata",
        "team=a",
    ]);
    let id = unique_id("one");
    let b = Bundle::new(
        &dir.join("b"),
        SCRIPT,
        &prof,
        &json!({"io.kubernetes.cri.container-name": "web"}),
    );
    let out = b.run(&id);
    out.assert_code(0);
    assert!(
        out.stdout_str().contains("root:x:0:0"),
        "{}",
        out.stdout_str()
    );
    assert_eq!(std::fs::read_to_string(b.file("/tmp/x")).unwrap(), "hi\n");
    let (status, log, recs) = agent.stop();
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(log.contains(&format!("serving container {id}")), "{log}");
    assert!(log.contains("return values from perf exit events"), "{log}");

    let mine = program_records(&recs, &id);
    for r in &mine {
        assert_eq!(r["container"]["name"], "web");
        assert_eq!(r["container"]["metadata"], "team=a");
        assert!(r["res"].is_i64(), "a return value: {r}");
    }
    let paths: Vec<&str> = mine.iter().filter_map(|r| path_of(r)).collect();
    for p in ["/etc/passwd", "/tmp/x", "/tmp/d"] {
        assert!(paths.contains(&p), "{p} not in {paths:?}");
    }

    // The oracle: the same script, busybox chroot'ed into a copy of the rootfs.
    let odir = TempDir::new("agent1-oracle");
    let oroot = rootfs(odir.path());
    let st = common::strace(
        Some(CALLS),
        &[
            BUSYBOX,
            "chroot",
            oroot.to_str().unwrap(),
            "/bin/sh",
            "-c",
            SCRIPT,
        ],
    );
    let wanted: Vec<&Value> = mine
        .iter()
        .copied()
        .filter(|r| CALLS.split(',').any(|c| r["syscall"] == c))
        .collect();
    common::assert_counts_equal("busybox container", &counts(&wanted), &st.counts());
    // Return values, as strace saw them: each path's opens and mkdirs
    // succeed or fail alike; every close succeeds.
    let ours: Vec<(String, String)> = wanted
        .iter()
        .filter(|r| r["syscall"] != "getdents64")
        .map(|r| (outcome_key(r), outcome_of(r)))
        .collect();
    let theirs: Vec<(String, String)> = st
        .calls
        .iter()
        .filter(|c| c.name != "getdents64")
        .map(|c| {
            let path = c.args.split('"').nth(1).unwrap_or("");
            let how = match c.outcome() {
                Some(Ok(_)) => "ok".to_string(),
                Some(Err(e)) => e,
                None => "?".to_string(),
            };
            (format!("{} {path}", c.name), how)
        })
        .collect();
    assert_eq!(sorted(ours), sorted(theirs));

    // The capture replays the same records, container included.
    let again = dir.join("again.json");
    let r = common::run_tracer(&[
        "read",
        &dir.join_str("cap"),
        "--format",
        "json",
        "-o",
        again.to_str().unwrap(),
    ]);
    r.assert_code(0);
    assert_eq!(
        std::fs::read_to_string(&again).unwrap(),
        std::fs::read_to_string(dir.join("records.json")).unwrap()
    );
    let r = common::run_tracer(&[
        "read",
        &dir.join_str("cap"),
        "--filter",
        &format!("container.id = {id} and container.name = web and evt.type = mkdir"),
    ]);
    r.assert_code(0);
    assert_eq!(
        r.stdout_str(),
        format!(
            "pid={}, ctr={id}, mkdir, path=\"/tmp/d\", mode=0777, res=0\n",
            mine.iter().find(|r| r["syscall"] == "mkdir").unwrap()["tid"]
        )
    );
}

/// A record's call and path, as `outcome_key` of strace's.
fn outcome_key(r: &Value) -> String {
    format!(
        "{} {}",
        r["syscall"].as_str().unwrap_or(""),
        path_of(r).unwrap_or("")
    )
}

/// "ok", or the errno's name.
fn outcome_of(r: &Value) -> String {
    match r["err"].as_str() {
        Some(e) => e.to_string(),
        None if r["res"].is_i64() => "ok".to_string(),
        None => "?".to_string(),
    }
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

/// Three containers started at once, each with its own script: every
/// record is attributed to the right one, none is lost, each container's
/// records stay in its program order (the mkdirs below); with return values
/// (perf, threads followed from their first call, two receivers per
/// container) and without (three receivers).
#[test]
fn three_containers_at_once() {
    if !ready() {
        return;
    }
    three_containers(&["--receivers", "2"]);
    three_containers(&["--no-ret", "--receivers", "3"]);
}

fn three_containers(mode: &[&str]) {
    let dir = TempDir::new("agent3");
    let mut args = vec!["--only", "openat,mkdir"];
    args.extend(mode);
    let agent = Agent::start(&dir, &args);
    let prof = agent.profile("openat,mkdir");
    // Container k opens its own file 100*(k+1) times and makes k+1 directories.
    let runs: Vec<(String, Bundle, usize)> = (0..3)
        .map(|k| {
            let n = 100 * (k + 1);
            let script = format!(
                "echo {k} > /etc/mine; for i in $(seq 1 {n}); do cat /etc/mine > /dev/null; done; \
                 for i in $(seq 0 {k}); do mkdir /tmp/dir$i; done; mkdir /tmp/dir0 || true"
            );
            let b = Bundle::new(&dir.join(&format!("b{k}")), &script, &prof, &json!({}));
            (unique_id(&format!("par{k}")), b, n)
        })
        .collect();
    std::thread::scope(|s| {
        let hs: Vec<_> = runs
            .iter()
            .map(|(id, b, _)| s.spawn(move || b.run(id)))
            .collect();
        for h in hs {
            h.join().unwrap().assert_code(0);
        }
    });
    let (status, log, recs) = agent.stop();
    assert_eq!(status.code(), Some(0), "{mode:?}: {log}");
    let returns = !mode.contains(&"--no-ret");
    for (k, (id, _, n)) in runs.iter().enumerate() {
        let mine = program_records(&recs, id);
        let opens: Vec<&&Value> = mine
            .iter()
            .filter(|r| r["syscall"] == "openat" && path_of(r) == Some("/etc/mine"))
            .collect();
        // The first `echo > /etc/mine`, then n cats.
        assert_eq!(opens.len(), n + 1, "{mode:?}: container {id}");
        let mkdirs: Vec<(&str, String)> = mine
            .iter()
            .filter(|r| r["syscall"] == "mkdir")
            .filter_map(|r| Some((path_of(r)?, outcome_of(r))))
            .collect();
        let mut want: Vec<(&str, String)> = Vec::new();
        let paths: Vec<String> = (0..=k).map(|i| format!("/tmp/dir{i}")).collect();
        for p in &paths {
            want.push((p, if returns { "ok" } else { "?" }.to_string()));
        }
        // The last mkdir fails: the directory is there.
        want.push((
            "/tmp/dir0",
            if returns { "EEXIST" } else { "?" }.to_string(),
        ));
        assert_eq!(mkdirs, want, "{mode:?}: container {id}");
        for r in opens {
            match returns {
                true => assert!(r["res"].as_i64().is_some_and(|v| v >= 0), "{r}"),
                false => assert!(r["res"].is_null(), "{r}"),
            }
        }
    }
    // Every record belongs to one of them.
    for r in &recs {
        let c = r["container"]["id"].as_str().unwrap();
        assert!(runs.iter().any(|(id, _, _)| id == c), "{r}");
    }
}

/// Sends `state` with `fds` on the agent's socket.
fn send(socket: &Path, state: &[u8], fds: &[i32]) {
    use std::os::fd::AsRawFd;
    let s = std::os::unix::net::UnixStream::connect(socket).expect("connect");
    let iov = [std::io::IoSlice::new(state)];
    let cmsg: Vec<nix_cmsg::ControlMessage> = if fds.is_empty() {
        vec![]
    } else {
        vec![nix_cmsg::ControlMessage::ScmRights(fds)]
    };
    nix_cmsg::sendmsg::<()>(
        s.as_raw_fd(),
        &iov,
        &cmsg,
        nix_cmsg::MsgFlags::empty(),
        None,
    )
    .expect("sendmsg");
}

mod nix_cmsg {
    pub use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};
}

/// Waits until the agent's log holds `n` lines containing `what`.
fn wait_log(agent: &Agent, what: &str, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while agent.log_text().matches(what).count() < n {
        assert!(
            Instant::now() < deadline,
            "no {n}x '{what}' in the log: {}",
            agent.log_text()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Bad input on the socket (no descriptor, garbage, a descriptor that is
/// not a listener, a peer of another uid, a second listener for a
/// container id already served) is refused and logged; SIGHUP is logged;
/// the agent keeps serving containers through all of it.
#[test]
fn bad_input_and_sighup_keep_it_serving() {
    if !ready() {
        return;
    }
    let dir = TempDir::new("agentbad");
    let agent = Agent::start(&dir, &[]);
    let sock = agent.socket.clone();
    let good = br#"{"ociVersion":"1.0.2","fds":["seccompFd"],"pid":1,"state":{"id":"x","pid":1}}"#;
    send(&sock, good, &[]);
    wait_log(&agent, "no descriptor came with the message", 1);
    let devnull = std::fs::File::open("/dev/null").unwrap();
    use std::os::fd::AsRawFd;
    send(&sock, b"{not json", &[devnull.as_raw_fd()]);
    wait_log(&agent, "state is not JSON", 1);
    send(&sock, good, &[devnull.as_raw_fd()]);
    wait_log(&agent, "is not a seccomp listener", 1);
    send(
        &sock,
        br#"{"ociVersion":"1","fds":["seccompFd"],"pid":1,"state":{"id":"../etc"}}"#,
        &[devnull.as_raw_fd()],
    );
    wait_log(&agent, "is not a container id", 1);
    // A peer that is neither root nor the agent's uid (the socket opened
    // to everyone for the test, so that SO_PEERCRED is what refuses it).
    std::fs::set_permissions(&sock, std::os::unix::fs::PermissionsExt::from_mode(0o666)).unwrap();
    let st = std::os::unix::process::CommandExt::uid(
        Command::new(common::python3()).args([
            "-c",
            "import socket,sys\ns=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])\ntry: s.sendall(b'{}')\nexcept OSError: pass",
            sock.to_str().unwrap(),
        ]),
        65534,
    )
    .output()
    .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    wait_log(&agent, "(uid 65534): only root may connect", 1);
    agent.signal(1);
    wait_log(&agent, "SIGHUP: still serving", 1);

    // A real container is served; a second one with the same id (another
    // runc state directory) is refused while the first runs, and its
    // traced calls fail with ENOSYS (its listener is closed).
    let prof = profile(&["--only", "mkdir", "--socket", sock.to_str().unwrap()]);
    let id = unique_id("dup");
    let first = Bundle::new(
        &dir.join("b1"),
        "mkdir /tmp/one; while [ ! -e /tmp/go ]; do sleep 0.05; done; mkdir /tmp/two",
        &prof,
        &json!({}),
    );
    let second = Bundle::new(&dir.join("b2"), "mkdir /tmp/three", &prof, &json!({}));
    let other_root = dir.join("runc-root");
    std::thread::scope(|s| {
        let h = s.spawn(|| first.run(&id));
        wait_log(&agent, &format!("serving container {id}"), 1);
        let out = second.run_with(&id, &["--root", other_root.to_str().unwrap()]);
        let refused = agent.log_text().contains("is served already");
        std::fs::write(first.file("/tmp/go"), "").unwrap();
        let first_out = h.join().unwrap();
        assert!(refused, "{}", agent.log_text());
        first_out.assert_code(0);
        // runc's exec of the command is a traced call (the profile always
        // sends execve): it fails.
        assert!(
            out.stderr_str()
                .to_lowercase()
                .contains("function not implemented"),
            "{} / {}",
            out.stdout_str(),
            out.stderr_str()
        );
    });
    let (status, log, recs) = agent.stop();
    assert_eq!(status.code(), Some(0), "{log}");
    let dirs: Vec<&str> = program_records(&recs, &id)
        .iter()
        .filter(|r| r["syscall"] == "mkdir")
        .filter_map(|r| path_of(r))
        .collect();
    assert_eq!(dirs, ["/tmp/one", "/tmp/two"], "{log}");
    assert!(first.file("/tmp/two").is_dir());
    assert!(!second.file("/tmp/three").exists());
}

/// SIGTERM while a container makes traced calls as fast as it can: the
/// agent answers what is queued, closes the listener and exits 0. Every
/// call it recorded ran (the script counts its successful opens), every
/// call that ran was recorded, and the first call after the listener
/// closed failed with ENOSYS (kernel behaviour), which ends the script.
#[test]
fn sigterm_under_load_loses_nothing() {
    if !ready() {
        return;
    }
    // Two receivers: both drain what is pending before the listener closes.
    sigterm_under_load(&["--no-ret", "--receivers", "2"]);
    // With return values: a call answered but not yet returned when the
    // agent stops is written without one.
    sigterm_under_load(&[]);
}

fn sigterm_under_load(mode: &[&str]) {
    let dir = TempDir::new("agentterm");
    let agent = Agent::start(&dir, mode);
    let prof = agent.profile("openat");
    let id = unique_id("term");
    let b = Bundle::new(
        &dir.join("b"),
        "exec 3>/count; i=0; while echo x > /tmp/f; do i=$((i+1)); echo $i >&3; done; echo end $i >&3",
        &prof,
        &json!({}),
    );
    let (out, status, log, recs) = std::thread::scope(|s| {
        let h = s.spawn(|| b.run(&id));
        // Let it run under load for a while.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let n = std::fs::read_to_string(b.file("/count"))
                .unwrap_or_default()
                .lines()
                .count();
            if n > 500 {
                break;
            }
            assert!(Instant::now() < deadline, "the container does not run");
            std::thread::sleep(Duration::from_millis(20));
        }
        let (status, log, recs) = agent.stop();
        (h.join().unwrap(), status, log, recs)
    });
    assert_eq!(status.code(), Some(0), "{mode:?}: {log}");
    assert!(status.signal().is_none());
    // The script ended on its own, after an open failed with ENOSYS.
    out.assert_code(0);
    assert!(
        out.stderr_str().contains("Function not implemented"),
        "{}",
        out.stderr_str()
    );
    let count = std::fs::read_to_string(b.file("/count")).unwrap();
    let last = count.lines().last().unwrap();
    let ok: usize = last.strip_prefix("end ").unwrap().parse().unwrap();
    let mine = program_records(&recs, &id);
    let opens: Vec<&&Value> = mine
        .iter()
        .filter(|r| path_of(r) == Some("/tmp/f"))
        .collect();
    assert_eq!(
        opens.len(),
        ok,
        "{mode:?}: records of /tmp/f vs successful opens; {log}"
    );
    assert!(log.contains("stopping: answering what is pending"), "{log}");
    if mode.is_empty() {
        // Each open returned a descriptor; the last may have been in flight.
        let without = opens.iter().filter(|r| r["res"].is_null()).count();
        assert!(without <= 1, "{without} opens without a result");
        for r in &opens[..opens.len() - 1] {
            assert!(r["res"].as_i64().is_some_and(|v| v >= 0), "{r}");
        }
    }
}

/// With return values and no tracer, nothing reports a thread that dies
/// inside a call: the agent looks every second. A `sleep` killed in its
/// nanosleep gets its record (no result) while the container runs on,
/// before the records of what the script does two seconds later; the
/// sleeps that end get theirs with 0.
#[test]
fn a_call_whose_thread_dies_is_written() {
    if !ready() {
        return;
    }
    let dir = TempDir::new("agentdies");
    let calls = "nanosleep,clock_nanosleep,mkdir";
    let agent = Agent::start(&dir, &["--only", calls]);
    let prof = agent.profile(calls);
    let id = unique_id("dies");
    let b = Bundle::new(
        &dir.join("b"),
        "sleep 30 & p=$!; sleep 0.5; kill -9 $p; wait; sleep 2.5; mkdir /tmp/after",
        &prof,
        &json!({}),
    );
    b.run(&id).assert_code(0);
    let (status, log, recs) = agent.stop();
    assert_eq!(status.code(), Some(0), "{log}");
    let mine = program_records(&recs, &id);
    let sleeps: Vec<(usize, &&Value)> = mine
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r["syscall"]
                .as_str()
                .is_some_and(|c| c.ends_with("nanosleep"))
        })
        .collect();
    assert_eq!(sleeps.len(), 3, "{mine:?}");
    let killed: Vec<&(usize, &&Value)> =
        sleeps.iter().filter(|(_, r)| r["res"].is_null()).collect();
    assert_eq!(killed.len(), 1, "one sleep was killed: {sleeps:?}");
    for (_, r) in sleeps.iter().filter(|(_, r)| !r["res"].is_null()) {
        assert_eq!(r["res"], 0, "{r}");
    }
    let after = mine
        .iter()
        .position(|r| r["syscall"] == "mkdir")
        .expect("the mkdir after the sleeps");
    assert_eq!(mine[after]["res"], 0);
    assert!(
        killed[0].0 < after,
        "the killed sleep's record came only at the end: {mine:?}"
    );
}

/// Threads a container's program starts while the events are open: each is
/// followed from its first call (a new generation of the events' filter
/// before that call runs), so every call has its return value, and each
/// thread's calls stay in program order. The test helper (a glibc program)
/// runs in the container with the libraries `ldd` names.
#[test]
fn threads_in_a_container_have_return_values() {
    if !ready() {
        return;
    }
    let dir = TempDir::new("agentthreads");
    let agent = Agent::start(&dir, &["--only", "close"]);
    let prof = agent.profile("close");
    let id = unique_id("threads");
    let b = Bundle::new(
        &dir.join("b"),
        "/bin/helper seq-threads 4 300 && /bin/helper seq-threads 3 100",
        &prof,
        &json!({}),
    );
    install_with_libraries(common::HELPER, &b.file("/bin/helper"));
    b.run(&id).assert_code(0);
    let (status, log, recs) = agent.stop();
    assert_eq!(status.code(), Some(0), "{log}");
    let mut by_tid: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for r in program_records(&recs, &id) {
        let fd = r["args"]["fd"].as_i64().unwrap_or(-1);
        if fd >= 1_000_000 {
            assert_eq!(r["err"], "EBADF", "{r}");
            assert_eq!(r["res"], -9, "{r}");
            by_tid
                .entry(r["tid"].as_i64().unwrap())
                .or_default()
                .push(fd);
        }
    }
    let mut sizes: Vec<usize> = by_tid.values().map(|v| v.len()).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [100, 100, 100, 300, 300, 300, 300], "{by_tid:?}");
    for (tid, fds) in &by_tid {
        let want: Vec<i64> = (0..fds.len() as i64).map(|i| fds[0] + i).collect();
        assert_eq!(fds, &want, "thread {tid}: program order");
    }
}

/// Copies the program at `from` to `to` in a rootfs, with the shared
/// libraries `ldd` lists at the same paths under that rootfs.
fn install_with_libraries(from: &str, to: &Path) {
    let root = to.ancestors().nth(2).unwrap();
    std::fs::copy(from, to).unwrap();
    let out = Command::new("ldd").arg(from).output().expect("ldd");
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)".
        let Some(path) = line.split_whitespace().find(|w| w.starts_with('/')) else {
            continue;
        };
        let dest = root.join(path.trim_start_matches('/'));
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(path, &dest).unwrap();
    }
}

/// `-y` in the agent: with return values, the descriptor an open returns
/// gets its path, and a later call on it (its close) shows that path.
#[test]
fn fd_paths_follow_returned_descriptors() {
    if !ready() {
        return;
    }
    let dir = TempDir::new("agenty");
    let calls = "openat,read,close";
    let agent = Agent::start(&dir, &["-y", "--only", calls]);
    let prof = agent.profile(calls);
    let id = unique_id("fdpaths");
    let b = Bundle::new(
        &dir.join("b"),
        "cat /etc/passwd > /dev/null",
        &prof,
        &json!({}),
    );
    b.run(&id).assert_code(0);
    let (status, log, recs) = agent.stop();
    assert_eq!(status.code(), Some(0), "{log}");
    let mine = program_records(&recs, &id);
    let open = mine
        .iter()
        .find(|r| r["syscall"] == "openat" && path_of(r) == Some("/etc/passwd"))
        .unwrap_or_else(|| panic!("no openat of /etc/passwd: {mine:?}"));
    let fd = open["res"].as_i64().expect("a descriptor");
    assert!(
        open["paths"]["res"]
            .as_str()
            .is_some_and(|p| p.ends_with("/etc/passwd")),
        "{open}"
    );
    // Its close (busybox cat copies with sendfile).
    let close = mine
        .iter()
        .skip_while(|r| !std::ptr::eq(**r, *open))
        .find(|r| r["syscall"] == "close" && r["tid"] == open["tid"] && r["args"]["fd"] == fd)
        .unwrap_or_else(|| panic!("no close of {fd}: {mine:?}"));
    assert!(
        close["paths"]["fd"]
            .as_str()
            .is_some_and(|p| p.ends_with("/etc/passwd")),
        "{close}"
    );
}

/// What the agent says about return values: where perf cannot follow the
/// containers' threads (another pid namespace) it serves without them and
/// says why.
#[test]
fn return_values_or_why_not() {
    if !ready() {
        return;
    }
    let dir = TempDir::new("agentwhy");
    let sock = dir.join_str("a.sock");
    // In a new pid namespace, stopped at once.
    let out = Command::new("unshare")
        .args([
            "--pid",
            "--fork",
            "--kill-child",
            "timeout",
            "-s",
            "TERM",
            "1",
        ])
        .arg(TRACER)
        .args(["agent", "--socket", &sock])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    // timeout(1) says 124 when it sent the signal.
    assert_eq!(out.status.code(), Some(124), "{err}");
    assert!(
        err.contains("no return values (res=?): perf exit events need the initial pid namespace"),
        "{err}"
    );
}

/// A profile merged into a restrictive one keeps its restrictions: runc
/// starts the container, the denied call fails with EPERM (and never
/// reaches the agent), the allowed ones are traced.
#[test]
fn merged_profile_keeps_restrictions() {
    if !ready() {
        return;
    }
    let dir = TempDir::new("agentfrom");
    let agent = Agent::start(&dir, &[]);
    let base = json!({
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]
    });
    let base_path = dir.join("base.json");
    std::fs::write(&base_path, base.to_string()).unwrap();
    let prof = profile(&[
        "--only",
        "openat,mkdir",
        "--socket",
        agent.socket.to_str().unwrap(),
        "--from",
        base_path.to_str().unwrap(),
    ]);
    let id = unique_id("from");
    let b = Bundle::new(
        &dir.join("b"),
        "cat /etc/passwd; mkdir /tmp/no || echo denied",
        &prof,
        &json!({}),
    );
    let out = b.run(&id);
    out.assert_code(0);
    assert!(out.stdout_str().contains("denied"), "{}", out.stdout_str());
    assert!(out.stderr_str().contains("Operation not permitted"));
    let (status, log, recs) = agent.stop();
    assert_eq!(status.code(), Some(0), "{log}");
    let mine = program_records(&recs, &id);
    assert!(mine.iter().any(|r| path_of(r) == Some("/etc/passwd")));
    assert!(!mine.iter().any(|r| r["syscall"] == "mkdir"));
}

/// The socket: mode 0600, a live agent's socket is not taken over, a
/// stale one is replaced, a path that is not a socket is refused.
#[test]
fn socket_rules() {
    if !ready() {
        return;
    }
    let dir = TempDir::new("agentsock");
    let agent = Agent::start(&dir, &[]);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&agent.socket)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let second = common::run_tracer(&["agent", "--socket", agent.socket.to_str().unwrap()]);
    assert_eq!(second.code(), Some(1));
    assert!(
        second
            .stderr_str()
            .contains("another process listens on it")
    );
    let (status, _, _) = agent.stop();
    assert_eq!(status.code(), Some(0));
    assert!(!agent_socket_exists(&dir));
    // A stale socket (bound, nobody listening) is replaced.
    let stale = dir.join("agent.sock");
    drop(std::os::unix::net::UnixListener::bind(&stale).unwrap());
    assert!(stale.exists());
    let agent = Agent::start(&dir, &[]);
    agent.stop();
    // A regular file is not ours to remove.
    std::fs::write(&stale, "x").unwrap();
    let out = common::run_tracer(&["agent", "--socket", stale.to_str().unwrap()]);
    assert_eq!(out.code(), Some(1));
    assert!(out.stderr_str().contains("exists and is not a socket"));
    assert_eq!(std::fs::read_to_string(&stale).unwrap(), "x");
}

fn agent_socket_exists(dir: &TempDir) -> bool {
    dir.join("agent.sock").exists()
}

/// Without an agent on the profile's socket, runc refuses to start the
/// container: it never runs untraced.
#[test]
fn runc_refuses_without_agent() {
    if !ready() {
        return;
    }
    let dir = TempDir::new("agentnone");
    let prof = profile(&["--only", "mkdir", "--socket", &dir.join_str("nobody.sock")]);
    let b = Bundle::new(&dir.join("b"), "mkdir /tmp/ran", &prof, &json!({}));
    let out = b.run(&unique_id("none"));
    assert_ne!(out.code(), Some(0));
    assert!(
        out.stderr_str()
            .contains("failed to connect with seccomp agent"),
        "{}",
        out.stderr_str()
    );
    assert!(!b.file("/tmp/ran").exists());
}

/// `runc exec` in a served container sends the new process's listener
/// with the same container id: it is served too, its records carry the
/// container.
#[test]
fn runc_exec_is_served() {
    if !ready() {
        return;
    }
    let dir = TempDir::new("agentexec");
    let agent = Agent::start(&dir, &["--only", "mkdir"]);
    let prof = agent.profile("mkdir");
    let id = unique_id("exec");
    let b = Bundle::new(
        &dir.join("b"),
        "mkdir /tmp/e1; while [ ! -e /tmp/go ]; do sleep 0.05; done",
        &prof,
        &json!({}),
    );
    let exec_out = std::thread::scope(|s| {
        let h = s.spawn(|| b.run(&id));
        wait_log(&agent, &format!("serving container {id}"), 1);
        let out = run_with_timeout(
            Command::new("runc").args([
                "exec",
                &id,
                "/bin/sh",
                "-c",
                "mkdir /tmp/e2 && echo exec-ok",
            ]),
            Duration::from_secs(30),
        );
        std::fs::write(b.file("/tmp/go"), "").unwrap();
        h.join().unwrap().assert_code(0);
        out
    });
    exec_out.assert_code(0);
    assert_eq!(exec_out.stdout_str(), "exec-ok\n");
    let (status, log, recs) = agent.stop();
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(log.contains("a process started in it"), "{log}");
    let dirs: Vec<&str> = program_records(&recs, &id)
        .iter()
        .filter_map(|r| path_of(r))
        .collect();
    assert_eq!(dirs, ["/tmp/e1", "/tmp/e2"], "{log}");
}
