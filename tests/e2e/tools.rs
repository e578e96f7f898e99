//! The outside programs the end-to-end tests drive: Python virtual environments with pinned
//! packages from PyPI (the providers' SDKs, the client generators), the scripts run in them,
//! and child processes killed when the test is done with them.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use serde_json::Value;

/// Runs `command` to success and returns its stdout; a failure shows both outputs.
pub fn run(command: &mut Command, what: &str) -> String {
    let output = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{what} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Makes the virtual environment `venv` with `packages` from PyPI installed in it.
pub fn make_venv(venv: &Path, packages: &[&str]) {
    run(
        Command::new("python3").args(["-m", "venv"]).arg(venv),
        "python3 -m venv",
    );
    run(
        Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet"])
            .args(packages),
        &format!("pip install {}", packages.join(" ")),
    );
}

/// A virtual environment `name` under the target directory with `packages` from PyPI, made
/// once (again when the packages change) and by one test at a time; a failed install fails
/// the test.
pub fn pinned_venv(name: &str, packages: &[&str]) -> PathBuf {
    static MADE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = MADE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let marker = venv.join("installed.txt");
    let wanted = packages.join("\n");
    if std::fs::read_to_string(&marker).ok().as_deref() != Some(wanted.as_str()) {
        make_venv(&venv, packages);
        std::fs::write(&marker, wanted).expect("write the venv's marker");
    }
    venv
}

/// The script `tests/e2e/python/<name>`.
pub fn python_script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/e2e/python")
        .join(name)
}

/// Runs the script `tests/e2e/python/<script>` in `venv` with `args`; its stdout is one JSON
/// object.
pub fn python_json(venv: &Path, script: &str, args: &[&str]) -> Value {
    let stdout = run(
        Command::new(venv.join("bin/python"))
            .arg(python_script(script))
            .args(args),
        &format!("{script} {args:?}"),
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// A child process killed when dropped.
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Reads the child's stdout until `pick` finds what it waits for.
pub fn wait_for(child: &mut Child, what: &str, pick: impl Fn(&str) -> Option<String>) -> String {
    let stdout = child.stdout.take().expect("stdout");
    BufReader::new(stdout)
        .lines()
        .find_map(|line| pick(&line.ok()?))
        .unwrap_or_else(|| panic!("{what} never said where it listens"))
}
