//! A TypeScript client drives a whole purchase against `entitle serve`: `openapi-typescript`
//! turns the committed spec into types, `openapi-fetch` makes the calls with them, and
//! `tsc` checks `tests/e2e/typescript/purchase.ts` under the strictest options before node
//! runs it. What in the spec a TypeScript user would trip on (a body the types refuse, an
//! answer whose shape the types get wrong) fails this test, at compile time or at run time.
//!
//! The tools come from the npm registry at the exact versions of
//! `tests/e2e/typescript/package-lock.json`, installed with `npm ci` under the target
//! directory, once per lock file.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::serve::{ADMIN_KEY, serve};
use crate::tools::run;

/// The program, its package.json, lock file and tsconfig.json.
fn sources() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/e2e/typescript")
}

/// `node_modules` with the locked tools, installed by `npm ci` when the lock file changed
/// since the last install (one test at a time; a failed install fails the test).
fn node_tools() -> PathBuf {
    static MADE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = MADE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("typescript-tools");
    let lock = std::fs::read_to_string(sources().join("package-lock.json")).expect("lock file");
    let marker = dir.join("installed-lock.json");
    if std::fs::read_to_string(&marker).ok().as_deref() != Some(lock.as_str()) {
        std::fs::create_dir_all(&dir).expect("tools directory");
        for file in ["package.json", "package-lock.json"] {
            std::fs::copy(sources().join(file), dir.join(file)).expect("copy the package files");
        }
        run(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&dir),
            "npm ci",
        );
        std::fs::write(marker, lock).expect("write the tools' marker");
    }
    dir.join("node_modules")
}

/// The options tsc really compiles with (`--showConfig`) include the three strict ones:
/// the program is only as good a check of the types as the options it is built under.
fn assert_strict(tsc: &Path, work: &Path) {
    let shown = run(
        Command::new(tsc)
            .args(["--project", "tsconfig.json", "--showConfig"])
            .current_dir(work),
        "tsc --showConfig",
    );
    let config: Value = serde_json::from_str(&shown).expect("tsc --showConfig prints JSON");
    for option in [
        "strict",
        "exactOptionalPropertyTypes",
        "noUncheckedIndexedAccess",
    ] {
        assert_eq!(
            config["compilerOptions"][option],
            Value::Bool(true),
            "tsconfig.json sets {option}:\n{shown}"
        );
    }
}

#[test]
fn a_typescript_client_buys_three_dr_licenses_and_reads_the_invoice() {
    let node_modules = node_tools();
    let work = tempfile::tempdir().expect("temporary directory");
    for file in ["package.json", "tsconfig.json", "purchase.ts"] {
        std::fs::copy(sources().join(file), work.path().join(file)).expect("copy the program");
    }
    std::os::unix::fs::symlink(&node_modules, work.path().join("node_modules"))
        .expect("link node_modules");

    // `--default-non-nullable=false`: by default openapi-typescript makes a property with a
    // `default` required, in request bodies too, where the default is what the server uses
    // when the property is left out (`periods`, `company`).
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi/openapi.json");
    let generated = Command::new(node_modules.join(".bin/openapi-typescript"))
        .arg(spec)
        .args(["--output", "schema.d.ts", "--default-non-nullable=false"])
        .current_dir(work.path())
        .output()
        .expect("run openapi-typescript");
    let warnings = String::from_utf8_lossy(&generated.stderr);
    assert!(
        generated.status.success() && warnings.trim().is_empty(),
        "openapi-typescript warns about the spec:\n{}{warnings}",
        String::from_utf8_lossy(&generated.stdout)
    );

    let tsc = node_modules.join(".bin/tsc");
    assert_strict(&tsc, work.path());
    run(
        Command::new(tsc)
            .args(["--project", "tsconfig.json"])
            .current_dir(work.path()),
        "tsc (the program does not type-check against the spec)",
    );

    let server = serve();
    let stdout = run(
        Command::new("node")
            .arg("out/purchase.js")
            .current_dir(work.path())
            .env("ENTITLE_URL", &server.base_url)
            .env("ENTITLE_ADMIN_KEY", ADMIN_KEY),
        "the TypeScript purchase",
    );
    assert!(
        stdout.contains("typescript client: purchase ok"),
        "{stdout}"
    );
}
