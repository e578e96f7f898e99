//! The console measured as an operator runs it: the release `entitle tui` in a
//! pseudo-terminal against the server under test, its screen parsed by a terminal emulator
//! (vt100), keys typed in.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use portable_pty::{CommandBuilder, NativePtySystem, PtySize, PtySystem};

const ROWS: u16 = 40;
const COLS: u16 = 140;
/// What the Home view shows once the account's summary has arrived: the first full screen.
const FIRST_FULL_SCREEN: &str = "Expiring within 30 days";
/// How long any screen may take to appear before the benchmark gives up.
const PATIENCE: Duration = Duration::from_secs(300);

/// A running console.
pub struct Console {
    screen: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    _config: tempfile::TempDir,
}

impl Console {
    /// Starts `entitle tui` on `server` with `key`; returns it with the time its first full
    /// screen took.
    pub fn start(server: &str, key: &str) -> anyhow::Result<(Console, Duration)> {
        let pty = NativePtySystem::default()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .map_err(|e| anyhow::anyhow!("open a pseudo-terminal: {e}"))?;
        let config = tempfile::tempdir()?;
        let mut command = CommandBuilder::new(entitle_binary()?);
        command.args(["tui", "--server", server, "--api-key", key]);
        command.env("NO_COLOR", "1");
        command.env("TERM", "xterm-256color");
        command.env("XDG_CONFIG_HOME", config.path());
        command.env_remove("ENTITLE_CONFIG_DIR");
        let started = Instant::now();
        let child = pty
            .slave
            .spawn_command(command)
            .map_err(|e| anyhow::anyhow!("start entitle tui: {e}"))?;
        drop(pty.slave);
        let mut reader = pty
            .master
            .try_clone_reader()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let writer = pty
            .master
            .take_writer()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let screen = Arc::new(Mutex::new(vt100::Parser::new(ROWS, COLS, 0)));
        let feed = Arc::clone(&screen);
        std::thread::spawn(move || {
            let _master = pty.master;
            let mut buffer = [0u8; 16384];
            while let Ok(n) = reader.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                if let Ok(mut screen) = feed.lock() {
                    screen.process(&buffer[..n]);
                }
            }
        });
        let console = Console {
            screen,
            writer,
            child,
            _config: config,
        };
        console.wait_for(
            |screen| screen.contains(FIRST_FULL_SCREEN),
            Duration::from_millis(1),
        )?;
        Ok((console, started.elapsed()))
    }

    fn contents(&self) -> String {
        self.screen
            .lock()
            .map(|s| s.screen().contents())
            .unwrap_or_default()
    }

    fn wait_for(&self, done: impl Fn(&str) -> bool, poll: Duration) -> anyhow::Result<()> {
        let start = Instant::now();
        while start.elapsed() < PATIENCE {
            if done(&self.contents()) {
                return Ok(());
            }
            std::thread::sleep(poll);
        }
        bail!(
            "the console never showed what was awaited:\n{}",
            self.contents()
        )
    }

    fn keys(&mut self, keys: &str) -> anyhow::Result<()> {
        self.writer.write_all(keys.as_bytes())?;
        self.writer.flush()?;
        Ok(())
    }

    /// Opens the Licenses view and presses End until every one of `count` licenses is loaded
    /// (each End at the end of what is loaded fetches the next page).
    pub fn browse_all_licenses(&mut self, count: u64) -> anyhow::Result<()> {
        self.keys("2")?;
        let all = format!("{count} loaded ·");
        let start = Instant::now();
        while !self.contents().contains(&all) {
            if start.elapsed() > PATIENCE {
                bail!("not every license was loaded:\n{}", self.contents());
            }
            self.keys("\x1b[F")?;
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok(())
    }

    /// The console's peak resident memory so far, in MB.
    pub fn peak_rss_mb(&self) -> anyhow::Result<f64> {
        let pid = self.child.process_id().context("the console's pid")?;
        crate::server::peak_rss_mb(pid)
    }

    /// Quits with `q` and waits for the process to end.
    pub fn quit(mut self) -> anyhow::Result<()> {
        self.keys("q")?;
        self.child.wait()?;
        Ok(())
    }
}

/// The release `entitle` next to this binary.
fn entitle_binary() -> anyhow::Result<PathBuf> {
    Ok(std::env::current_exe()?.with_file_name("entitle"))
}
