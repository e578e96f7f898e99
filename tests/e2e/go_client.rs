//! A Go client generated from the committed spec by `openapi-generator-cli` (from PyPI; its
//! wheel bundles the generator's jar, run with the machine's Java) drives a whole purchase
//! against `entitle serve`, and the same generator's validator has nothing to recommend.
//!
//! Go is Debian's (`golang-go`, installed with apt-get when `go` is missing). The build is
//! offline: the generated client needs only the standard library, and a spec that makes it
//! need a module (the generator imports one for some unions) fails the build here rather than
//! downloading it. The generated models decode strictly (required properties present, no
//! undeclared one), so `tests/e2e/go/main.go` checks every answer against the spec.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::serve::{ADMIN_KEY, serve};
use crate::tools::{make_venv, run};

/// The generator's version, pinned so that it does not drift under the test.
const GENERATOR: &str = "openapi-generator-cli==7.26.0";

fn spec() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi/openapi.json")
}

fn target_tmp() -> &'static Path {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
}

/// The generator's virtual environment, made once per target directory and version (by one
/// test at a time).
fn generator() -> Command {
    static MADE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = MADE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let venv = target_tmp().join("openapi-generator");
    let marker = venv.join("installed.txt");
    if std::fs::read_to_string(&marker).ok().as_deref() != Some(GENERATOR) {
        make_venv(&venv, &[GENERATOR]);
        std::fs::write(marker, GENERATOR).expect("write the venv's marker");
    }
    Command::new(venv.join("bin/openapi-generator-cli"))
}

/// Installs Debian's Go when `go` is missing, as crates/bench does for wrk: a machine without
/// it fails this test rather than skipping it.
fn ensure_go() {
    static INSTALLED: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = INSTALLED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let present = || Command::new("go").arg("version").output().is_ok();
    if present() {
        return;
    }
    eprintln!("installing golang-go (apt-get)");
    let apt = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|status| status.success())
    };
    let installed = apt(&["update", "-qq"]) && apt(&["install", "-y", "-qq", "golang-go"]);
    assert!(
        installed && present(),
        "Go is needed: run `apt-get install golang-go`"
    );
}

/// `go` with its caches under the target directory and nothing fetched from outside: no
/// module proxy, no toolchain switch, no workspace file from above.
fn go(dir: &Path) -> Command {
    let mut go = Command::new("go");
    go.current_dir(dir)
        .env("GOCACHE", target_tmp().join("go-cache"))
        .env("GOPATH", target_tmp().join("go-path"))
        .env("GOPROXY", "off")
        .env("GOFLAGS", "-mod=mod")
        .env("GOTOOLCHAIN", "local")
        .env("GOWORK", "off");
    go
}

/// The lines of the generator's log at level WARN or ERROR: each is about the spec (an
/// operation without an id, a schema it cannot map, …), and none is accepted.
fn complaints(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|line| line.contains(" WARN ") || line.contains(" ERROR "))
        .collect()
}

#[test]
fn openapi_generator_validates_the_spec_with_nothing_to_recommend() {
    let said = run(
        generator()
            .args(["validate", "--recommend", "--input-spec"])
            .arg(spec()),
        "openapi-generator-cli validate",
    );
    assert!(
        said.contains("No validation issues detected.")
            && !said.contains("Warnings")
            && !said.contains("Errors")
            && !said.contains("recommendation"),
        "the validator has something to say about the spec:\n{said}"
    );
}

#[test]
fn a_generated_go_client_buys_three_dr_licenses() {
    let mut generate = generator();
    ensure_go();
    let work = tempfile::tempdir().expect("temporary directory");
    let program = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/e2e/go");
    for file in ["go.mod", "main.go"] {
        std::fs::copy(program.join(file), work.path().join(file)).expect("copy the program");
    }

    // The module path is the one go.mod replaces with ./client. `useOneOfDiscriminatorLookup`
    // reads a union's `type` to pick its member; without it the generator tries each member
    // and validates it with gopkg.in/validator.v2, a module the offline build cannot fetch.
    let generated = generate
        .args(["generate", "--generator-name", "go", "--input-spec"])
        .arg(spec())
        .arg("--output")
        .arg(work.path().join("client"))
        .args(["--git-host", "entitle.example", "--git-user-id", "e2e"])
        .args(["--git-repo-id", "client"])
        .arg(
            "--additional-properties=packageName=entitle,enumClassPrefix=true,withGoMod=true,\
             useOneOfDiscriminatorLookup=true",
        )
        .args(["--global-property", "apiTests=false,modelTests=false"])
        .output()
        .expect("run the generator");
    let log = String::from_utf8_lossy(&generated.stdout).to_string()
        + &String::from_utf8_lossy(&generated.stderr);
    assert!(generated.status.success(), "{log}");
    let warned = complaints(&log);
    assert!(
        warned.is_empty(),
        "the generator warns about the spec:\n{}",
        warned.join("\n")
    );

    run(
        go(work.path()).args(["build", "-o", "purchase", "."]),
        "go build (the generated client or the program)",
    );
    let server = serve();
    let stdout = run(
        Command::new(work.path().join("purchase"))
            .env("ENTITLE_URL", &server.base_url)
            .env("ENTITLE_ADMIN_KEY", ADMIN_KEY),
        "the Go purchase",
    );
    assert!(stdout.contains("go client: purchase ok"), "{stdout}");
}
