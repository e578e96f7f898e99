//! Machines, validation and license files on the wire (issue 22): the client API the
//! licensed software calls with its license key, and the operator's view of the same.

use super::nullable::Nullable;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use uuid::Uuid;

use super::licenses::License;
use crate::licenses::LicenseStatus;
use crate::machines::{
    Binding, Licensing, MachineActor, MachineStatus, SigningKeyStatus, ValidationCode,
};

/// A product's licensing settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct LicensingView {
    /// `node_locked` (one machine at a time), `floating` (a seat held with heartbeats) or
    /// `unbound`.
    pub binding: Binding,
    /// Days after `valid_until` the software keeps running.
    pub grace_days: u32,
    /// Seconds between a floating seat's heartbeats.
    pub heartbeat_seconds: u32,
    /// Moves to a new machine a license may make by itself per window.
    pub transfer_limit: u32,
    /// The window of `transfer_limit`, in days.
    pub transfer_window_days: u32,
}

impl From<Licensing> for LicensingView {
    fn from(l: Licensing) -> Self {
        LicensingView {
            binding: l.binding,
            grace_days: l.grace_days,
            heartbeat_seconds: l.heartbeat_seconds,
            transfer_limit: l.transfer_limit,
            transfer_window_days: l.transfer_window_days,
        }
    }
}

/// A product's licensing settings as an admin sets them; each omitted one takes its default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct LicensingInput {
    /// Defaults to `node_locked` when the product is `host_bound`, else `unbound`.
    #[serde(default)]
    pub binding: Option<Binding>,
    /// 0 to 365; defaults to 0.
    #[serde(default)]
    pub grace_days: Option<u32>,
    /// 60 to 86 400; defaults to 600.
    #[serde(default)]
    pub heartbeat_seconds: Option<u32>,
    /// 1 to 1000; defaults to 3.
    #[serde(default)]
    pub transfer_limit: Option<u32>,
    /// 1 to 365; defaults to 30.
    #[serde(default)]
    pub transfer_window_days: Option<u32>,
}

/// Why licensing settings were refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InvalidLicensing {
    #[error("grace_days is at most 365")]
    Grace,
    #[error("heartbeat_seconds is from 60 to 86400")]
    Heartbeat,
    #[error("transfer_window_days is from 1 to 365")]
    Window,
    #[error("transfer_limit is from 1 to 1000")]
    Transfers,
}

impl LicensingInput {
    /// The settings `input` describes over the defaults of a product that is `host_bound`
    /// or not.
    pub fn settings(
        input: Option<&LicensingInput>,
        host_bound: bool,
    ) -> Result<Licensing, InvalidLicensing> {
        let defaults = Licensing::defaults(host_bound);
        let Some(input) = input else {
            return Ok(defaults);
        };
        let settings = Licensing {
            binding: input.binding.unwrap_or(defaults.binding),
            grace_days: input.grace_days.unwrap_or(defaults.grace_days),
            heartbeat_seconds: input
                .heartbeat_seconds
                .unwrap_or(defaults.heartbeat_seconds),
            transfer_limit: input.transfer_limit.unwrap_or(defaults.transfer_limit),
            transfer_window_days: input
                .transfer_window_days
                .unwrap_or(defaults.transfer_window_days),
        };
        if settings.grace_days > 365 {
            return Err(InvalidLicensing::Grace);
        }
        if !(60..=86_400).contains(&settings.heartbeat_seconds) {
            return Err(InvalidLicensing::Heartbeat);
        }
        if !(1..=365).contains(&settings.transfer_window_days) {
            return Err(InvalidLicensing::Window);
        }
        if !(1..=1000).contains(&settings.transfer_limit) {
            return Err(InvalidLicensing::Transfers);
        }
        Ok(settings)
    }
}

/// A machine a license is (or was) activated on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct Machine {
    /// The machine's id.
    pub id: Uuid,
    /// The license it holds.
    pub license_id: Uuid,
    /// What the software computed for this host (`entitle fingerprint`).
    pub fingerprint: String,
    /// The host's name.
    pub hostname: String,
    /// What the software said it runs on.
    pub platform: Nullable<String>,
    /// `active`, `dead` (a floating seat whose heartbeats stopped) or `released`.
    pub status: MachineStatus,
    /// Who activated it: `client` (the software) or `operator`.
    pub activated_by: MachineActor,
    /// When it was activated.
    pub activated_at: DateTime<Utc>,
    /// The last heartbeat of a floating seat.
    pub last_heartbeat_at: Nullable<DateTime<Utc>>,
    /// When the next heartbeat must arrive (floating seats that are active).
    pub heartbeat_due: Nullable<DateTime<Utc>>,
    /// When it was released; `null` while active.
    pub released_at: Nullable<DateTime<Utc>>,
    /// When its latest license file was issued.
    pub file_issued_at: Nullable<DateTime<Utc>>,
    /// Its latest license file predates the license's current validity: carry it a new one.
    pub file_stale: bool,
}

/// A license's machines, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct MachineList {
    /// The machines.
    pub items: Vec<Machine>,
}

/// Activates a license on a machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct MachineInput {
    /// 32 to 128 characters of letters, digits, `-` and `_` (`entitle fingerprint` prints one).
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 32, max_length = 128)))]
    pub fingerprint: String,
    /// Host name or address: letters, digits, `.`, `-`, `_`, `:`.
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 253)))]
    pub hostname: String,
    /// What the host runs (`linux-x86_64`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(nullable, validator(max_length = 64)))]
    pub platform: Option<String>,
}

/// A machine activated, with its signed license file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct Activation {
    /// The machine now holding the license.
    pub machine: Machine,
    /// The armoured PASETO `v4.public` file (`entitle verify` checks it offline).
    pub license_file: String,
}

/// Asks for a fresh license file for a machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct LicenseFileRequest {
    /// The machine's fingerprint.
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 32, max_length = 128)))]
    pub fingerprint: String,
    /// A shorter life than the product's, in seconds.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(nullable, validator(minimum(value = "60"))))]
    pub ttl_seconds: Option<u32>,
}

/// A signed license file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct LicenseFile {
    /// The armoured PASETO `v4.public` file.
    pub license_file: String,
    /// The signing key's id (RFC 7638 thumbprint), as in `/.well-known/entitle/keys.json`.
    pub kid: String,
    /// When the file was issued.
    pub issued_at: DateTime<Utc>,
    /// When the file stops verifying.
    pub expires_at: DateTime<Utc>,
}

/// "May I run?", from the licensed software.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct ValidateRequest {
    /// The machine's fingerprint; required by products that bind to machines.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(nullable, validator(max_length = 128)))]
    pub fingerprint: Option<String>,
    /// The product the software is, so a key of another product is refused.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(nullable, validator(max_length = 32)))]
    pub product: Option<String>,
    /// A random value the receipt echoes, so a recorded answer cannot be replayed.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(nullable, validator(max_length = 128)))]
    pub nonce: Option<String>,
}

/// The license as validation reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct LicenseFacts {
    /// The license's id.
    pub id: Uuid,
    /// The product's code.
    pub product: String,
    /// `active`, `expired` or `consumed`, as stored and as of now.
    pub status: LicenseStatus,
    /// When it became valid.
    pub valid_from: DateTime<Utc>,
    /// When it stops being valid (the software runs on until `grace_until`).
    pub valid_until: DateTime<Utc>,
    /// Until when the software keeps running (`valid_until` plus the product's grace).
    pub grace_until: DateTime<Utc>,
    /// Whether its subscription renews itself.
    pub auto_renew: bool,
}

/// The answer to a validation: 200 for every known key, `valid` says whether to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct Validity {
    /// Whether the software may run (`valid` or `in_grace`).
    pub valid: bool,
    /// Why: `valid`, `in_grace`, `expired`, `not_yet_valid`, `consumed`, `fingerprint_required`, `no_machine`, `machine_mismatch`, `product_mismatch` or `heartbeat_dead`.
    pub code: ValidationCode,
    /// The code in a sentence, for the software's log.
    pub detail: String,
    /// The license as it stands.
    pub license: LicenseFacts,
    /// The machine the license is active on, when it is this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub machine: Option<Machine>,
    /// The server's clock, for the software to compare with its own.
    pub server_time: DateTime<Utc>,
    /// A PASETO `v4.public` token of this answer (`entitle-receipt/1`) echoing the nonce,
    /// valid for five minutes.
    pub receipt: String,
    /// A fresh license file when this machine's predates the license's validity.
    pub license_file: Nullable<String>,
}

/// A floating seat's heartbeat answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct Heartbeat {
    /// The machine, its heartbeat recorded.
    pub machine: Machine,
    /// Send the next heartbeat before this.
    pub next_by: DateTime<Utc>,
    /// A fresh license file when this machine's predates the license's validity.
    pub license_file: Nullable<String>,
}

/// Consumes a one-time license for one run, from the software.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct RunConsume {
    /// The run's id: the same id again answers the same 200.
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 128)))]
    pub run_id: String,
    /// The machine running it.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(nullable, validator(max_length = 128)))]
    pub fingerprint: Option<String>,
}

/// A machine whose latest license file predates its license's validity (a renewal came
/// after it): an isolated site needs the new file carried to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct StaleFile {
    /// The license.
    pub license: License,
    /// The machine holding it.
    pub machine: Machine,
    /// The validity the machine's latest file carries.
    pub file_valid_until: DateTime<Utc>,
}

/// Machines with stale license files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct StaleFileList {
    /// The machines, oldest activation first.
    pub items: Vec<StaleFile>,
}

/// A key that signs license files and receipts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct SigningKey {
    /// The RFC 7638 thumbprint of its public key.
    pub kid: String,
    /// `next` (published, not signing), `active` (signing) or `retired` (published until
    /// its files expire).
    pub status: SigningKeyStatus,
    /// The Ed25519 public key, base64url.
    pub public_key: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it began signing.
    pub activated_at: Nullable<DateTime<Utc>>,
    /// When it stopped signing.
    pub retired_at: Nullable<DateTime<Utc>>,
}

/// Every signing key, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct SigningKeyList {
    /// The keys.
    pub items: Vec<SigningKey>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn omitted_settings_take_the_defaults_and_bad_ones_are_refused() {
        let dr = LicensingInput::settings(None, true).expect("defaults");
        assert_eq!(dr.binding, Binding::NodeLocked);
        assert_eq!(dr.transfer_limit, 3);
        let input = LicensingInput {
            binding: Some(Binding::Floating),
            grace_days: None,
            heartbeat_seconds: Some(120),
            transfer_limit: None,
            transfer_window_days: None,
        };
        let seat = LicensingInput::settings(Some(&input), false).expect("valid");
        assert_eq!(
            (seat.binding, seat.heartbeat_seconds, seat.grace_days),
            (Binding::Floating, 120, 0)
        );
        let too_fast = LicensingInput {
            heartbeat_seconds: Some(5),
            ..input.clone()
        };
        assert_eq!(
            LicensingInput::settings(Some(&too_fast), false),
            Err(InvalidLicensing::Heartbeat)
        );
        let long_grace = LicensingInput {
            grace_days: Some(400),
            ..input
        };
        assert_eq!(
            LicensingInput::settings(Some(&long_grace), false),
            Err(InvalidLicensing::Grace)
        );
    }
}
