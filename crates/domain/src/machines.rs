//! Machines: how a license binds to the hosts that run the licensed software, and what that
//! software is told when it asks "may I run?" (issue 22, `shared/licensing.md` §4).
//!
//! Each license is one unit or seat (see [`crate::fulfillment`]), so a bound license has at
//! most one active machine: a node-locked DR or failback license lives on one host, an
//! Enterprise seat floats between hosts that keep sending heartbeats, and the cloud editions
//! are not bound at all.

use chrono::{DateTime, Duration, Utc};

use crate::licenses::{LicenseState, LicenseStatus};
use crate::stored::stored_enum;

stored_enum! {
    "snake_case";
    /// How a product's licenses bind to machines.
    pub enum Binding {
        /// One machine at a time, moved by deactivating it first (DR, failback).
        NodeLocked,
        /// A seat held by one machine while it sends heartbeats (Enterprise).
        Floating,
        /// Not bound: any host with the key (Premium, Premium Plus).
        Unbound,
    }
}

impl Binding {
    /// Whether a license of this binding is held by machines (node-locked or floating).
    pub fn binds(self) -> bool {
        self != Binding::Unbound
    }
}

stored_enum! {
    "snake_case";
    /// Where a machine stands.
    pub enum MachineStatus {
        /// Holds its license.
        Active,
        /// A floating seat whose heartbeats stopped: released by the `machines` job.
        Dead,
        /// Deactivated by the software on it, or released by an operator.
        Released,
    }
}

stored_enum! {
    "snake_case";
    /// Who activated or released a machine: the software itself, with the license key, or an
    /// operator with an account key (an air-gapped host, a destroyed one).
    pub enum MachineActor {
        Client,
        Operator,
        /// The `machines` job, for a floating seat whose heartbeats stopped.
        Job,
    }
}

stored_enum! {
    "snake_case";
    /// Where a signing key stands in its rotation: published before it signs, signing, then
    /// kept published (and never signing again) until the files it signed have expired.
    pub enum SigningKeyStatus {
        Next,
        Active,
        Retired,
    }
}

stored_enum! {
    "snake_case";
    /// What a validation answers. `valid` and `in_grace` let the software run.
    pub enum ValidationCode {
        /// Valid, and bound to this machine when the product binds.
        Valid,
        /// Past `valid_until` but inside the product's grace period: keep running.
        InGrace,
        /// Past its grace period (or expired for good).
        Expired,
        /// Its validity has not started.
        NotYetValid,
        /// A one-time license used by its run.
        Consumed,
        /// The product binds to machines: send the machine's fingerprint.
        FingerprintRequired,
        /// The license is not activated on any machine.
        NoMachine,
        /// The license is activated on another machine.
        MachineMismatch,
        /// The key belongs to another product.
        ProductMismatch,
        /// This machine's floating seat was released after its heartbeats stopped.
        HeartbeatDead,
    }
}

impl ValidationCode {
    /// Whether the software may run.
    pub fn is_valid(self) -> bool {
        matches!(self, ValidationCode::Valid | ValidationCode::InGrace)
    }
}

/// Seconds a heartbeat may arrive after its due time before the seat counts as abandoned.
pub const HEARTBEAT_DRIFT_SECONDS: i64 = 30;

/// The longest a node-locked or unbound license file lasts; its end of validity plus grace
/// usually comes first.
pub const FILE_DAYS: i64 = 400;

/// A product's licensing settings: catalog data, edited by an admin like the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Licensing {
    pub binding: Binding,
    /// Days after `valid_until` the software keeps running.
    pub grace_days: u32,
    /// Seconds between a floating seat's heartbeats.
    pub heartbeat_seconds: u32,
    /// How many times a license may move to a new machine by itself per window.
    pub transfer_limit: u32,
    pub transfer_window_days: u32,
}

impl Licensing {
    /// The defaults of a product defined without these settings: bound to one machine when
    /// `host_bound`, no grace, heartbeats every 600 s, three moves per 30 days.
    pub fn defaults(host_bound: bool) -> Licensing {
        Licensing {
            binding: if host_bound {
                Binding::NodeLocked
            } else {
                Binding::Unbound
            },
            grace_days: 0,
            heartbeat_seconds: 600,
            transfer_limit: 3,
            transfer_window_days: 30,
        }
    }

    /// Whether licenses bind to machines at all.
    pub fn binds(&self) -> bool {
        self.binding.binds()
    }

    /// Until when a license valid until `valid_until` keeps the software running.
    pub fn grace_until(&self, valid_until: DateTime<Utc>) -> DateTime<Utc> {
        valid_until + Duration::days(i64::from(self.grace_days))
    }

    /// Whether a floating seat last heard from at `last_seen` has missed its heartbeats: it
    /// is allowed [`HEARTBEAT_DRIFT_SECONDS`] past its due time.
    pub fn heartbeat_dead(&self, last_seen: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        self.binding == Binding::Floating
            && now > self.heartbeat_due(last_seen) + Duration::seconds(HEARTBEAT_DRIFT_SECONDS)
    }

    /// When the heartbeat after one at `last_seen` is due: what the client aims at.
    pub fn heartbeat_due(&self, last_seen: DateTime<Utc>) -> DateTime<Utc> {
        last_seen + Duration::seconds(i64::from(self.heartbeat_seconds))
    }

    /// When a file issued at `issued` for a license usable until `grace_until` expires: at
    /// the end of validity plus grace, and at most after the file's life, shortened further
    /// by `ttl` when the client asks. A floating seat's file lasts as long as its seat is
    /// held without a heartbeat: past that the job frees the seat for another host, and a
    /// longer file would let one seat run on several hosts offline.
    pub fn file_expiry(
        &self,
        issued: DateTime<Utc>,
        grace_until: DateTime<Utc>,
        ttl: Option<Duration>,
    ) -> DateTime<Utc> {
        let life = match self.binding {
            Binding::Floating => {
                Duration::seconds(i64::from(self.heartbeat_seconds) + HEARTBEAT_DRIFT_SECONDS)
            }
            _ => Duration::days(FILE_DAYS),
        };
        let life = ttl.map_or(life, |ttl| ttl.min(life));
        grace_until.min(issued + life)
    }

    /// When a license that moved by itself at `moves` (any order) may move again: `None` when
    /// it may now, else the moment the oldest move in the window leaves it.
    pub fn next_move_allowed(
        &self,
        moves: &[DateTime<Utc>],
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let window = Duration::days(i64::from(self.transfer_window_days));
        let mut recent: Vec<DateTime<Utc>> = moves
            .iter()
            .copied()
            .filter(|at| *at > now - window)
            .collect();
        if recent.len() < usize::try_from(self.transfer_limit).unwrap_or(usize::MAX) {
            return None;
        }
        recent.sort();
        let freeing = recent.len() - usize::try_from(self.transfer_limit).unwrap_or(0);
        recent.get(freeing).map(|at| *at + window)
    }
}

/// A machine in a license's history, as counting its moves needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PastMachine<'a> {
    pub fingerprint: &'a str,
    pub activated_by: MachineActor,
    pub activated_at: DateTime<Utc>,
    pub released_by: Option<MachineActor>,
}

/// When the license moved to a new machine by itself, from its machines oldest first: an
/// activation by the software of another fingerprint than the machine the software itself
/// released before it. The first activation is no move; neither is a host coming back, nor
/// one following an operator's release (a destroyed host) or the job's (a silent seat).
pub fn moves_by_itself(history: &[PastMachine<'_>]) -> Vec<DateTime<Utc>> {
    history
        .windows(2)
        .filter(|pair| {
            let (before, after) = (pair[0], pair[1]);
            after.activated_by == MachineActor::Client
                && before.released_by == Some(MachineActor::Client)
                && !after.fingerprint.eq_ignore_ascii_case(before.fingerprint)
        })
        .map(|pair| pair[1].activated_at)
        .collect()
}

/// When the software may activate `fingerprint` on a license whose machines were `history`
/// (oldest first): `None` when it may now (not a move, or a move within the limit), else the
/// moment the oldest move in the window leaves it.
pub fn refused_move_until(
    rules: &Licensing,
    history: &[PastMachine<'_>],
    fingerprint: &str,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let asked = PastMachine {
        fingerprint,
        activated_by: MachineActor::Client,
        activated_at: now,
        released_by: None,
    };
    let is_move = history
        .last()
        .is_some_and(|before| moves_by_itself(&[*before, asked]) == [now]);
    if !is_move {
        return None;
    }
    rules.next_move_allowed(&moves_by_itself(history), now)
}

/// Whether a machine's latest file, carrying `file_valid_until`, predates its license's
/// validity now (a renewal came after it).
pub fn file_is_stale(file_valid_until: DateTime<Utc>, license_valid_until: DateTime<Utc>) -> bool {
    file_valid_until < license_valid_until
}

/// A fingerprint as a client sends it: 32–128 characters of letters, digits, `-` and `_`
/// (a hex HMAC, a UUID without braces, a base64url digest).
pub fn valid_fingerprint(fingerprint: &str) -> bool {
    (32..=128).contains(&fingerprint.len())
        && fingerprint
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Where a machine asking to hold a license stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement<'a> {
    /// The license is free: this machine takes it.
    Free,
    /// This machine holds it already: activating again changes nothing.
    Here,
    /// Another machine (this host name) holds it: release it there first.
    Elsewhere(&'a str),
}

/// Where `fingerprint` stands against the license's active machine, if any (one machine per
/// license: each is one unit or seat).
pub fn placement<'a>(active: Option<(&'a str, &'a str)>, fingerprint: &str) -> Placement<'a> {
    match active {
        None => Placement::Free,
        Some((held, _)) if held.eq_ignore_ascii_case(fingerprint) => Placement::Here,
        Some((_, hostname)) => Placement::Elsewhere(hostname),
    }
}

/// The machine a bound license is active on, as validation needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActiveMachine<'a> {
    pub fingerprint: &'a str,
    /// The last heartbeat, or the activation when none came yet.
    pub last_seen: DateTime<Utc>,
}

/// What a validation asks about.
#[derive(Debug, Clone, Copy)]
pub struct Validation<'a> {
    pub license: &'a LicenseState,
    pub product: &'a str,
    pub licensing: Licensing,
    /// The product the software expects, when it says.
    pub asked_product: Option<&'a str>,
    pub fingerprint: Option<&'a str>,
    pub machine: Option<ActiveMachine<'a>>,
    /// Whether the asking machine held this license's floating seat until the `machines` job
    /// released it.
    pub released_dead: bool,
}

/// The answer to "may I run?", in the order a vendor's support reads it: the wrong product,
/// then the license's own life (consumed, not yet, past grace), then the machine.
pub fn validate(v: &Validation<'_>, now: DateTime<Utc>) -> ValidationCode {
    if v.asked_product.is_some_and(|asked| asked != v.product) {
        return ValidationCode::ProductMismatch;
    }
    if v.license.stored == LicenseStatus::Consumed {
        return ValidationCode::Consumed;
    }
    if now < v.license.valid_from {
        return ValidationCode::NotYetValid;
    }
    // Grace covers a license past `valid_until` whatever the expiry job recorded: the point
    // of a grace period is that the software keeps running while a renewal is sorted out.
    let in_grace = now >= v.license.valid_until;
    if now >= v.licensing.grace_until(v.license.valid_until) {
        return ValidationCode::Expired;
    }
    if v.licensing.binds() {
        let Some(fingerprint) = v.fingerprint else {
            return ValidationCode::FingerprintRequired;
        };
        match v.machine {
            Some(machine) if machine.fingerprint.eq_ignore_ascii_case(fingerprint) => {
                if v.licensing.heartbeat_dead(machine.last_seen, now) {
                    return ValidationCode::HeartbeatDead;
                }
            }
            Some(_) => return ValidationCode::MachineMismatch,
            None if v.released_dead => return ValidationCode::HeartbeatDead,
            None => return ValidationCode::NoMachine,
        }
    }
    if in_grace {
        ValidationCode::InGrace
    } else {
        ValidationCode::Valid
    }
}

#[cfg(test)]
#[path = "machines_tests.rs"]
mod tests;
