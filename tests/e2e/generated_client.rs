//! A client generated from the committed spec with `openapi-python-client` (installed from
//! PyPI into a virtual environment under the target directory) drives a whole purchase
//! against `entitle serve`: whatever in the spec trips the generator fails this test.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::serve::{ADMIN_KEY, serve};
use crate::tools::{pinned_venv, run};

/// The tools' versions, pinned so they do not drift under the tests.
const TOOLS: [&str; 2] = ["openapi-python-client==0.29.1", "schemathesis==4.32.5"];

/// A virtual environment with the tools from PyPI, made once per target directory (and by
/// one test at a time).
pub fn venv() -> PathBuf {
    pinned_venv("python-tools", &TOOLS)
}

#[test]
fn a_generated_python_client_buys_three_dr_licenses() {
    let venv = venv();
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi/openapi.json");
    let out = tempfile::tempdir().expect("temporary directory");
    let package = out.path().join("entitle_api");
    let generated = Command::new(venv.join("bin/openapi-python-client"))
        .args(["generate", "--meta", "none", "--path"])
        .arg(&spec)
        .arg("--output-path")
        .arg(&package)
        .output()
        .expect("run the generator");
    let report = String::from_utf8_lossy(&generated.stdout).to_string()
        + &String::from_utf8_lossy(&generated.stderr);
    assert!(generated.status.success(), "{report}");
    assert!(
        !report.contains("Unable to process schema"),
        "the spec trips the generator:\n{report}"
    );

    let server = serve();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/e2e/python/purchase.py");
    let stdout = run(
        Command::new(venv.join("bin/python"))
            .arg(&script)
            .env("PYTHONPATH", out.path())
            .env("ENTITLE_URL", &server.base_url)
            .env("ENTITLE_ADMIN_KEY", ADMIN_KEY),
        "the purchase script",
    );
    assert!(stdout.contains("purchase ok"), "{stdout}");
}
