//! A private IMAP server for the tests: Debian's Dovecot 2.3 (`dovecot-imapd`), started per test
//! in the foreground on a free loopback port, with one user, plain-text login (no TLS) and a
//! Maildir in a temp dir. No system configuration is read or changed.
//!
//! It runs as whoever runs the tests. Dovecot refuses root for its login and mail processes, so
//! under root (CI) those run as `nobody`, who then owns the Maildir; its other processes, and
//! everything under an ordinary user, run as that user.

// Not every test uses every accessor.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Debian's paths: the server (package `dovecot-core`) and its IMAP part (`dovecot-imapd`).
const DOVECOT: &str = "/usr/sbin/dovecot";
const IMAP_LOGIN: &str = "/usr/lib/dovecot/imap-login";
const HOST: &str = "127.0.0.1";
const USER: &str = "jimukyoku";
const PASSWORD: &str = "kojo-imap-test";
/// How long Dovecot may take to answer its first greeting.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A running Dovecot. Dropping it stops the server (and its child processes) and removes the
/// temp dir, also when a test fails half-way.
pub struct Dovecot {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
    /// The Maildir's owner when the tests run as root (Dovecot's mail processes then run as
    /// `nobody`); `None` otherwise.
    mail_owner: Option<(u32, u32)>,
    delivered: AtomicU32,
}

impl Dovecot {
    /// Starts a private Dovecot on 127.0.0.1 with a free port, one user, plain-text login allowed
    /// on loopback (no TLS), Maildir storage under a temp dir. Panics with a clear message naming
    /// the missing package (dovecot-imapd) when /usr/sbin/dovecot is absent.
    pub fn start() -> Dovecot {
        if let Some(missing) = [DOVECOT, IMAP_LOGIN].into_iter().find(|p| !Path::new(p).is_file()) {
            panic!("{missing} is missing: install Debian's dovecot-imapd (scripts/test does when run as root)");
        }
        let version = output(Command::new(DOVECOT).arg("--version"));
        let mut numbers = version.split(|c: char| !c.is_ascii_digit()).map(|n| n.parse::<u32>().unwrap_or(0));
        let (major, minor) = (numbers.next().unwrap_or(0), numbers.next().unwrap_or(0));
        assert!(
            (major, minor) < (2, 4),
            "Dovecot {version} found; this harness writes Dovecot 2.3 settings (Debian 12's dovecot-imapd), \
             which 2.4 renamed (auth_allow_cleartext, mail_driver, passdb blocks)"
        );

        // In /tmp rather than $TMPDIR: `nobody` must reach the Maildir, and Dovecot's socket paths
        // under base_dir must stay within the 108 bytes a Unix socket path may have.
        let dir = tempfile::Builder::new().prefix("kojo-dovecot-").tempdir_in("/tmp").expect("temp dir");
        let root = dir.path();
        let me = Identity::current();
        let (login_user, mail_owner) = if me.uid == 0 {
            let nobody = Identity::of("nobody");
            // Traversable (the temp dir is 0700), so that `nobody` gets to its home.
            std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o711)).expect("chmod temp dir");
            (nobody.user, Some((nobody.uid, nobody.gid)))
        } else {
            (me.user.clone(), None)
        };
        let (mail_uid, mail_gid) = mail_owner.unwrap_or((me.uid, me.gid));

        let home = root.join("home");
        for sub in ["", "/Maildir", "/Maildir/cur", "/Maildir/new", "/Maildir/tmp"] {
            let path = PathBuf::from(format!("{}{sub}", home.display()));
            std::fs::create_dir(&path).expect("create Maildir");
            if mail_owner.is_some() {
                std::os::unix::fs::chown(&path, Some(mail_uid), Some(mail_gid)).expect("chown Maildir");
            }
        }
        // user:password:uid:gid:gecos:home (passwd-file rejects uid 0, hence `nobody` under root).
        let passwd = root.join("passwd");
        let line = format!("{USER}:{{PLAIN}}{PASSWORD}:{mail_uid}:{mail_gid}::{}\n", home.display());
        std::fs::write(&passwd, line).expect("write passwd-file");

        let config_path = root.join("dovecot.conf");
        let log = root.join("dovecot.log");
        let stderr = root.join("dovecot.stderr");
        let mut last_problem = String::new();
        // The free port is only free until Dovecot binds it: try again when someone took it.
        for _attempt in 0..3 {
            let port = TcpListener::bind((HOST, 0)).expect("bind").local_addr().expect("address").port();
            std::fs::write(&config_path, config(root, &me, &login_user, port)).expect("write dovecot.conf");
            let mut command = Command::new(DOVECOT);
            command
                .arg("-F")
                .arg("-c")
                .arg(&config_path)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&stderr).expect("create dovecot.stderr"));
            // Its own process group, so that Drop can also reach the processes Dovecot forks.
            std::os::unix::process::CommandExt::process_group(&mut command, 0);
            let mut child = command.spawn().unwrap_or_else(|e| panic!("{DOVECOT} does not start: {e}"));
            let deadline = Instant::now() + START_TIMEOUT;
            while Instant::now() < deadline {
                if let Ok(Some(exit)) = child.try_wait() {
                    last_problem = format!("dovecot exited with {exit}");
                    break;
                }
                if greets(port) {
                    return Dovecot { child, port, dir, mail_owner, delivered: AtomicU32::new(0) };
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            stop(&mut child);
            if last_problem.is_empty() {
                last_problem = format!("dovecot did not greet on port {port} within {START_TIMEOUT:?}");
            }
            let logs = [&stderr, &log].map(|p| std::fs::read_to_string(p).unwrap_or_default()).concat();
            last_problem = format!("{last_problem}; its log:\n{logs}");
        }
        panic!("{last_problem}");
    }

    pub fn host(&self) -> &str {
        HOST
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn user(&self) -> &str {
        USER
    }

    pub fn password(&self) -> &str {
        PASSWORD
    }

    /// Puts a raw RFC 5322 message into INBOX as a new, unseen message: written into the
    /// Maildir's tmp/, then renamed into new/, so that Dovecot never sees half a file.
    pub fn deliver(&self, raw: &[u8]) {
        let maildir = self.maildir();
        let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock");
        let n = self.delivered.fetch_add(1, Ordering::Relaxed);
        // The Maildir naming convention: time.unique.host.
        let name =
            format!("{}.M{}P{}Q{n}.kojo-test", since_epoch.as_secs(), since_epoch.subsec_micros(), std::process::id());
        let tmp = maildir.join("tmp").join(&name);
        std::fs::write(&tmp, raw).expect("write message into tmp/");
        if let Some((uid, gid)) = self.mail_owner {
            std::os::unix::fs::chown(&tmp, Some(uid), Some(gid)).expect("chown message");
        }
        std::fs::rename(&tmp, maildir.join("new").join(&name)).expect("move message into new/");
    }

    /// How many messages INBOX holds (files in cur/ and new/).
    pub fn inbox_len(&self) -> usize {
        let maildir = self.maildir();
        ["cur", "new"]
            .iter()
            .map(|sub| {
                std::fs::read_dir(maildir.join(sub))
                    .expect("read Maildir")
                    .filter(|entry| entry.as_ref().is_ok_and(|e| e.file_type().is_ok_and(|t| t.is_file())))
                    .count()
            })
            .sum()
    }

    /// How many messages of INBOX are not flagged seen: those in new/, and those in cur/ whose
    /// Maildir info (`:2,FLAGS`) has no `S`.
    pub fn unseen_len(&self) -> usize {
        let maildir = self.maildir();
        let names = |sub: &str| -> Vec<String> {
            std::fs::read_dir(maildir.join(sub))
                .expect("read Maildir")
                .filter_map(|entry| entry.ok())
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        };
        let fresh = names("new").len();
        let unseen = names("cur")
            .iter()
            .filter(|name| name.rsplit_once(":2,").is_none_or(|(_, flags)| !flags.contains('S')))
            .count();
        fresh + unseen
    }

    fn maildir(&self) -> PathBuf {
        self.dir.path().join("home/Maildir")
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// SIGTERM to Dovecot's whole process group (to the master alone, shutting down takes a second);
/// SIGKILL when the master has not exited within 5 s.
fn stop(child: &mut Child) {
    if let Ok(None) = child.try_wait() {
        let group = format!("-{}", child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).stderr(Stdio::null()).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && matches!(child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(20));
        }
        if let Ok(None) = child.try_wait() {
            let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
        }
    }
    let _ = child.wait();
}

/// dovecot.conf for Dovecot 2.3: nothing from /etc/dovecot; base, state and log under `root`.
fn config(root: &Path, me: &Identity, login_user: &str, port: u16) -> String {
    let root = root.display();
    format!(
        "\
# Written by Kojo's integration tests (tests/it/imap_server.rs).
protocols = imap
listen = {HOST}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
# Plain-text LOGIN without TLS (loopback only).
disable_plaintext_auth = no
auth_mechanisms = plain login
# No dovecot/dovenull system users: internal processes run as the current user, login
# processes too unless that is root, which Dovecot refuses for them.
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {login_user}
# The tests may run as a system account (uid below the default 500).
first_valid_uid = 1
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = {root}/passwd
}}
# chroot needs root; nothing to protect here.
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {port}
  }}
  # No imaps (ssl = no); port 0 disables a listener.
  inet_listener imaps {{
    port = 0
  }}
}}
",
        user = me.user,
        group = me.group,
    )
}

/// Whether something on `port` answers with an IMAP `* OK` greeting.
fn greets(port: u16) -> bool {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(stream) = TcpStream::connect_timeout(&address, Duration::from_secs(1)) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut greeting = String::new();
    BufReader::new(stream).read_line(&mut greeting).is_ok() && greeting.starts_with("* OK")
}

/// A Unix account, from `id` (std has no getpwuid).
struct Identity {
    user: String,
    group: String,
    uid: u32,
    gid: u32,
}

impl Identity {
    fn current() -> Identity {
        Identity::from_id(&[])
    }

    fn of(user: &str) -> Identity {
        Identity::from_id(&[user])
    }

    fn from_id(user: &[&str]) -> Identity {
        let id = |flag: &str| output(Command::new("id").arg(flag).args(user));
        let number = |flag: &str| id(flag).parse().unwrap_or_else(|e| panic!("id {flag} {user:?}: {e}"));
        Identity { user: id("-un"), group: id("-gn"), uid: number("-u"), gid: number("-g") }
    }
}

/// A command's trimmed standard output; panics when it fails.
fn output(command: &mut Command) -> String {
    let out = command.output().unwrap_or_else(|e| panic!("{command:?} does not run: {e}"));
    assert!(out.status.success(), "{command:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
