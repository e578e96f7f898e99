//! `entitle verify` and `entitle fingerprint`: the offline verifier (`entitle-verify`) as a
//! command, for sites whose software shells out instead of linking the crate, and for support.
//!
//! The verdict is the exit code, one per kind of refusal (shared/licensing.md §4), so a script
//! can branch without parsing; 64 (EX_USAGE) means the command itself was wrong, never the
//! file, so a typo in a path is not mistaken for a forged license.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::{DateTime, SecondsFormat, Utc};
use clap::Args;
use entitle_verify::armour::MAX_FILE_BYTES;
use entitle_verify::fingerprint::{fingerprint, machine_id};
use entitle_verify::{Expect, KeySet, Refusal, Verified, state, verify_file};
use serde_json::{Value, json};

/// The exit code of a usage problem (BSD sysexits' EX_USAGE), outside every verdict's code.
pub const USAGE: u8 = 64;

#[derive(Args)]
pub struct VerifyArgs {
    /// The license file, armoured as the server hands it out.
    file: PathBuf,
    /// The trusted keys, a JWKS (the server's /.well-known/entitle/keys.json): the trust comes
    /// from here, never from the file.
    #[arg(long)]
    keys: PathBuf,
    /// The product the file must be for (default: not checked).
    #[arg(long)]
    product: Option<String>,
    /// The machine the file must be bound to: `auto` (this machine's, as `entitle
    /// fingerprint` prints it) or a fingerprint (default: not checked).
    #[arg(long, value_parser = parse_fingerprint)]
    fingerprint: Option<Fingerprint>,
    /// A state file remembering the latest time seen, so a clock set back is caught (created
    /// on the first success).
    #[arg(long)]
    state: Option<PathBuf>,
    /// Judge the file at this instant (RFC 3339) instead of the system clock.
    #[arg(long, value_parser = parse_now)]
    now: Option<DateTime<Utc>>,
    /// Print one JSON object instead of a line of text.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct FingerprintArgs {
    /// The product: each product sees its own fingerprint of the same machine.
    #[arg(long, default_value = "dr")]
    product: String,
}

/// `--fingerprint`'s value, checked as the server checks fingerprints on activation.
#[derive(Clone, Debug)]
enum Fingerprint {
    Auto,
    Given(String),
}

/// A problem with the command line or the files it names, not with the license file.
struct Usage(String);

/// The verifier's answer about the license file.
type Verdict = Result<Verified, Refusal>;

/// Runs `entitle verify`: prints the verdict and returns its exit code.
pub fn run_verify(args: &VerifyArgs) -> ExitCode {
    match verify(args) {
        Ok(verdict) => {
            if args.json {
                println!("{}", as_json(&verdict));
            } else {
                println!("{}", as_text(&verdict));
            }
            ExitCode::from(exit_code(&verdict))
        }
        Err(Usage(message)) => {
            eprintln!("entitle verify: {message}");
            ExitCode::from(USAGE)
        }
    }
}

/// Runs `entitle fingerprint`: this machine's fingerprint for the product, on one line.
pub fn print_fingerprint(args: &FingerprintArgs) -> ExitCode {
    match machine_id() {
        Ok(id) => {
            println!("{}", fingerprint(&id, &args.product));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("entitle fingerprint: this machine has no machine id: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Reads the inputs, verifies, and stores the new high-water mark after a success (valid or
/// in grace; a refused file teaches nothing trustworthy about the time).
fn verify(args: &VerifyArgs) -> Result<Verdict, Usage> {
    let text = read_license_file(&args.file)?;
    let jwks = std::fs::read_to_string(&args.keys).map_err(|e| {
        Usage(format!(
            "reading the keys file {}: {e}",
            args.keys.display()
        ))
    })?;
    let keys = KeySet::from_jwks(&jwks)
        .map_err(|e| Usage(format!("the keys file {}: {e}", args.keys.display())))?;
    let now = args.now.unwrap_or_else(Utc::now);
    let high_water = match &args.state {
        Some(path) => state::read(path).map_err(|e| state_problem(path, &e))?,
        None => None,
    };
    let verdict = judge(&text, &keys, args, now, high_water)?;
    if let (Ok(verified), Some(path)) = (&verdict, &args.state) {
        // A mark that cannot be stored leaves the clock check blind: say so rather than pass.
        state::write(path, verified.high_water).map_err(|e| state_problem(path, &e))?;
    }
    Ok(verdict)
}

/// The license file as text. At most one byte more than the verifier accepts is read, so a
/// huge file is refused as too large (exit 40) without being loaded. Bytes that are not UTF-8
/// become replacement characters: inside the armour they make the file malformed (40), around
/// it (a mail's quoting) they are ignored like the rest of that text; either way a file that
/// was read is judged, not called a usage problem.
fn read_license_file(path: &Path) -> Result<String, Usage> {
    let unreadable = |e: std::io::Error| Usage(format!("reading {}: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let mut bytes = Vec::new();
    let limit = u64::try_from(MAX_FILE_BYTES)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    file.take(limit)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn state_problem(path: &Path, error: &std::io::Error) -> Usage {
    Usage(format!("the state file {}: {error}", path.display()))
}

/// Verifies `text` with what the command line expects of it.
///
/// `--fingerprint auto` without `--product` needs the file's product to compute this machine's
/// fingerprint, and the file's `aud` is only to be believed once its signature verified. So the
/// file is verified once without a fingerprint to learn it, then again with the fingerprint,
/// rather than comparing fingerprints here: the second pass keeps the verifier's own
/// comparison and its order of checks (the binding before the clock), instead of a copy of
/// them. Only in that case may a first-pass refusal (say, `expired`) stand where a known
/// fingerprint would have given `machine_mismatch`.
fn judge(
    text: &str,
    keys: &KeySet,
    args: &VerifyArgs,
    now: DateTime<Utc>,
    high_water: Option<DateTime<Utc>>,
) -> Result<Verdict, Usage> {
    let product = args.product.as_deref();
    let run = |fingerprint: Option<&str>| {
        let expect = Expect {
            product,
            fingerprint,
        };
        verify_file(text, keys, &expect, now, high_water)
    };
    let expected = match &args.fingerprint {
        None => return Ok(run(None)),
        Some(Fingerprint::Given(given)) => given.clone(),
        Some(Fingerprint::Auto) => match product {
            Some(product) => this_machine(product)?,
            None => match run(None) {
                Ok(first) => this_machine(&first.claims.aud)?,
                Err(refusal) => return Ok(Err(refusal)),
            },
        },
    };
    Ok(run(Some(expected.as_str())))
}

/// This machine's fingerprint for `product`, as `entitle fingerprint` prints it.
fn this_machine(product: &str) -> Result<String, Usage> {
    let id = machine_id().map_err(|e| {
        Usage(format!(
            "--fingerprint auto: this machine has no machine id ({e}); pass the fingerprint"
        ))
    })?;
    Ok(fingerprint(&id, product))
}

fn exit_code(verdict: &Verdict) -> u8 {
    match verdict {
        Ok(verified) => verified.exit_code(),
        Err(refusal) => refusal.exit_code(),
    }
}

/// `valid: DR license … on dr-esx-07 until … (file expires …)`, or `refused (code): why`.
fn as_text(verdict: &Verdict) -> String {
    match verdict {
        Ok(verified) => {
            let label = if verified.in_grace {
                "in grace"
            } else {
                "valid"
            };
            format!("{label}: {}", summary(verified))
        }
        Err(refusal) => format!("refused ({}): {refusal}", refusal.code()),
    }
}

fn as_json(verdict: &Verdict) -> Value {
    match verdict {
        Ok(verified) => json!({
            "code": verified.code(),
            "exit_code": verified.exit_code(),
            "valid": true,
            "license": verified.claims.license,
            "machine": verified.claims.machine,
            "expires_at": instant(verified.claims.exp),
            "kid": verified.kid,
            "evaluated_at": instant(verified.evaluated_at),
            "detail": summary(verified),
        }),
        Err(refusal) => json!({
            "code": refusal.code(),
            "exit_code": refusal.exit_code(),
            "valid": false,
            "license": null,
            "machine": null,
            "expires_at": null,
            "kid": null,
            "evaluated_at": null,
            "detail": refusal.to_string(),
        }),
    }
}

/// What the file grants, in a sentence: in grace, the paid term has ended but the file runs on.
fn summary(verified: &Verified) -> String {
    let claims = &verified.claims;
    let term = if verified.in_grace { "ended" } else { "until" };
    format!(
        "{} license {} on {} {term} {} (file expires {})",
        claims.aud.to_uppercase(),
        claims.sub,
        claims.machine.hostname,
        instant(claims.license.valid_until),
        instant(claims.exp)
    )
}

fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// `auto`, or 32 to 128 characters of letters, digits, `-` and `_` (what the server accepts).
fn parse_fingerprint(text: &str) -> Result<Fingerprint, String> {
    if text == "auto" {
        return Ok(Fingerprint::Auto);
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if (32..=128).contains(&text.len()) && text.chars().all(allowed) {
        Ok(Fingerprint::Given(text.to_owned()))
    } else {
        Err("expected `auto` or 32 to 128 letters, digits, `-` and `_`".to_owned())
    }
}

fn parse_now(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|e| format!("expected an RFC 3339 time such as 2026-08-01T10:00:00Z ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_auto_or_the_servers_alphabet() {
        assert!(matches!(parse_fingerprint("auto"), Ok(Fingerprint::Auto)));
        let hex = "9f3c".repeat(16);
        assert!(matches!(parse_fingerprint(&hex), Ok(Fingerprint::Given(f)) if f == hex));
        assert!(parse_fingerprint(&"a".repeat(31)).is_err());
        assert!(parse_fingerprint(&"a".repeat(129)).is_err());
        assert!(parse_fingerprint(&format!("{}!", "a".repeat(40))).is_err());
    }

    #[test]
    fn now_is_rfc_3339_in_any_offset() {
        assert_eq!(
            parse_now("2026-08-01T18:00:00+08:00").map(instant),
            Ok("2026-08-01T10:00:00Z".to_owned())
        );
        assert!(parse_now("2026-08-01").is_err());
    }
}
