//! The default machine fingerprint: the OS machine id, keyed per product with HMAC-SHA256.
//!
//! The raw machine id is a stable identifier that should not leave the machine; keying it
//! with the product gives each product its own unlinkable id for the same machine, which is
//! still stable across reboots and reinstalls of the software (the `ProtectedID` scheme,
//! shared/licensing.md §2). Vendors with their own notion of a machine pass their own
//! fingerprint instead.

use std::fs;
use std::io;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Where systemd and, before it, D-Bus keep the machine id.
const MACHINE_ID_PATHS: [&str; 2] = ["/etc/machine-id", "/var/lib/dbus/machine-id"];

/// Lowercase hex of HMAC-SHA256 keyed with `entitle:<product>` over the trimmed machine id:
/// 64 characters.
pub fn fingerprint(machine_id: &str, product: &str) -> String {
    let mut key = b"entitle:".to_vec();
    key.extend_from_slice(product.as_bytes());
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(&key).expect("HMAC takes keys of any length");
    mac.update(machine_id.trim().as_bytes());
    hex(&mac.finalize().into_bytes())
}

/// This machine's id, from `/etc/machine-id` or else `/var/lib/dbus/machine-id`. A missing or
/// empty first file falls through to the second (container images often ship an empty one);
/// the last failure is reported when neither gives an id.
pub fn machine_id() -> io::Result<String> {
    let mut failure = io::Error::new(io::ErrorKind::NotFound, "no machine id file");
    for path in MACHINE_ID_PATHS {
        match fs::read_to_string(path) {
            Ok(text) if !text.trim().is_empty() => return Ok(text.trim().to_owned()),
            Ok(_) => {
                failure = io::Error::new(io::ErrorKind::InvalidData, format!("{path} is empty"));
            }
            Err(e) => failure = io::Error::new(e.kind(), format!("{path}: {e}")),
        }
    }
    Err(failure)
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MACHINE: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn matches_an_independent_hmac() {
        // Computed with Python's hmac module.
        assert_eq!(
            fingerprint(MACHINE, "dr"),
            "1d9c60f57567ceb20b9ef6f152d26e88b1acfff534be7ad2791161ee6d4918d5"
        );
        assert_eq!(
            fingerprint(MACHINE, "failback"),
            "9b448c57e976d82f1b4acddd8008cd9e53b417c631673799a5589689385467c5"
        );
    }

    #[test]
    fn trims_the_machine_id_and_differs_per_machine() {
        assert_eq!(
            fingerprint(&format!("{MACHINE}\n"), "dr"),
            fingerprint(MACHINE, "dr")
        );
        assert_ne!(
            fingerprint("another-machine", "dr"),
            fingerprint(MACHINE, "dr")
        );
    }

    #[test]
    fn hex_is_lowercase_and_padded() {
        assert_eq!(hex(&[0x00, 0x0a, 0xff, 0x5c]), "000aff5c");
    }
}
