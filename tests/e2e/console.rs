//! The real `entitle demo` driven in a pseudo-terminal, as an operator would: keys in, screen
//! text out (NO_COLOR, a temporary XDG_CONFIG_HOME, a recording `$BROWSER`), the payment
//! completed on the sandbox's page by the test, as the customer's browser would.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, NativePtySystem, PtySize, PtySystem};

use crate::serve::pay_on_sandbox_page;

const ROWS: u16 = 40;
const COLS: u16 = 120;
/// How long to wait for a screen to show something before failing.
const PATIENCE: Duration = Duration::from_secs(60);

/// The console in a pseudo-terminal, its screen parsed as a terminal would show it.
struct Console {
    screen: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Console {
    fn start(config_home: &Path, browser: &Path) -> Console {
        let pty = NativePtySystem::default()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pseudo-terminal");
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_entitle"));
        command.arg("demo");
        command.env("NO_COLOR", "1");
        command.env("TERM", "xterm-256color");
        command.env("XDG_CONFIG_HOME", config_home);
        command.env_remove("ENTITLE_CONFIG_DIR");
        command.env("DISPLAY", ":0");
        command.env_remove("SSH_CONNECTION");
        command.env_remove("SSH_TTY");
        command.env("BROWSER", browser);
        let child = pty
            .slave
            .spawn_command(command)
            .expect("start entitle demo");
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().expect("reader");
        let writer = pty.master.take_writer().expect("writer");
        let screen = Arc::new(Mutex::new(vt100::Parser::new(ROWS, COLS, 0)));
        let feed = Arc::clone(&screen);
        std::thread::spawn(move || {
            let _master = pty.master;
            let mut buffer = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                feed.lock().expect("screen").process(&buffer[..n]);
            }
        });
        Console {
            screen,
            writer,
            child,
        }
    }

    fn contents(&self) -> String {
        self.screen.lock().expect("screen").screen().contents()
    }

    /// Waits until the screen shows `text`; fails with the screen if it never does.
    fn wait_for(&self, text: &str) {
        let start = Instant::now();
        while start.elapsed() < PATIENCE {
            if self.contents().contains(text) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the screen never showed {text:?}:\n{}", self.contents());
    }

    /// Waits until the screen no longer shows `text`; fails with the screen if it stays.
    fn wait_gone(&self, text: &str) {
        let start = Instant::now();
        while start.elapsed() < PATIENCE {
            if !self.contents().contains(text) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the screen kept showing {text:?}:\n{}", self.contents());
    }

    fn keys(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("type");
        self.writer.flush().expect("flush");
        std::thread::sleep(Duration::from_millis(150));
    }
}

/// A `$BROWSER` that records the URL it is asked to open.
fn recording_browser(dir: &Path) -> (PathBuf, PathBuf) {
    let record = dir.join("opened-urls");
    let script = dir.join("browser.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\necho \"$1\" >> '{}'\n", record.display()),
    )
    .expect("write the browser script");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
            .expect("make it executable");
    }
    (script, record)
}

fn wait_for_url(record: &Path) -> String {
    let start = Instant::now();
    while start.elapsed() < PATIENCE {
        if let Ok(text) = std::fs::read_to_string(record)
            && let Some(url) = text.lines().next()
        {
            return url.trim().to_owned();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the console never opened the payment page");
}

#[test]
fn an_operator_buys_two_failback_licenses_toggles_auto_renew_and_quits() {
    let home = tempfile::tempdir().expect("temporary directory");
    let (browser, record) = recording_browser(home.path());
    let mut console = Console::start(home.path(), &browser);
    console.wait_for("Active licenses");
    console.wait_for("Premium");

    // s: the subscribe wizard; the second product is the failback license.
    // Waits for what only the wizard shows (Home lists "Failback License" too).
    console.keys("s");
    console.wait_for("valid 3 months");
    console.keys("\x1b[B"); // Down
    console.wait_for("› Failback License");
    console.keys("\r");
    console.wait_for("Quantity:");
    console.keys("\x7f2\r"); // Backspace, 2, Enter
    console.wait_for("Payment method");
    console.keys("\r");
    console.wait_for("Total 198.00 CNY");
    console.keys("\r");
    console.wait_for("Continue to the third-party payment platform?");
    console.keys("y");
    console.wait_for("Waiting for payment");

    // The console opened the checkout in "the browser": pay there, as the customer would.
    let url = wait_for_url(&record);
    assert!(url.contains("/sandbox/checkout/"), "{url}");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http");
        let response = pay_on_sandbox_page(&http, &url).await;
        assert_eq!(response.status(), 303);
    });
    console.wait_for("Payment received: 198.00 CNY");

    // The new licenses are in the Licenses view.
    console.keys("2");
    console.wait_for("9 loaded");
    let licenses = console.contents();
    assert_eq!(
        licenses
            .lines()
            .filter(|l| l.contains("FAILBACK-") && l.contains("order"))
            .count(),
        2,
        "{licenses}"
    );

    // Turn auto-renew off on the DR subscription, confirming with y.
    console.keys("3");
    console.wait_for("Auto-renew");
    console.keys("j");
    console.keys("t");
    console.wait_for("Turn auto-renew off?");
    console.keys("y");
    console.wait_for("Auto-renew is off for DR License");

    console.quits_clean();
}

/// With the demo's admin key (issue 23): find "Demo Berlin" by part of its name, switch the
/// console to it, see its seats and invoices, look at the invoice queue and the audit log, go
/// back to the accounts, run a job, quit.
#[test]
fn an_operator_finds_an_account_switches_to_it_runs_a_job_and_quits() {
    let home = tempfile::tempdir().expect("temporary directory");
    let (browser, _record) = recording_browser(home.path());
    let mut console = Console::start(home.path(), &browser);
    console.wait_for("Active licenses");
    console.wait_for("(operator)");

    console.keys("7");
    console.wait_for("Accounts ·");
    console.keys("/berl");
    console.wait_for("/berl");
    // The search is the server's: the list narrows when its answer arrives.
    console.wait_for("Demo Berlin");
    console.wait_gone("Demo Shanghai  ");
    console.keys("\r"); // keep the search
    console.keys("\r"); // switch to the account
    console.wait_for("Demo Berlin (operator)");

    console.keys("2");
    console.wait_for("10 loaded");
    assert!(
        console.contents().contains("Enterprise"),
        "{}",
        console.contents()
    );
    console.keys("5");
    console.wait_for("Invoices");
    console.keys("8");
    console.wait_for("next batch");
    console.keys(":audit\r");
    console.wait_for("account.created");

    console.keys("\x7f"); // Backspace: back to the accounts
    console.wait_for("Accounts ·");
    console.keys("0");
    console.wait_for("Jobs");
    console.keys("r");
    console.wait_for("now?");
    console.keys("y");
    console.wait_for("reconcile:");
    console.quits_clean();
}

impl Console {
    /// `q` quits with success and gives the terminal back as it was.
    fn quits_clean(&mut self) {
        self.keys("q");
        let start = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            assert!(start.elapsed() < PATIENCE, "entitle demo did not quit");
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(status.success(), "{status:?}");
        std::thread::sleep(Duration::from_millis(200));
        let screen = self.screen.lock().expect("screen");
        assert!(
            !screen.screen().alternate_screen(),
            "the terminal is back on its main screen"
        );
        assert!(!screen.screen().hide_cursor(), "the cursor is shown again");
    }
}
