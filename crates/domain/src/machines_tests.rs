use chrono::Duration;
use proptest::prelude::*;

use super::*;
use crate::calendar::utc;

fn at(day: u32) -> DateTime<Utc> {
    utc(2027, 1, day, 0, 0)
}

fn dr() -> Licensing {
    Licensing {
        grace_days: 7,
        ..Licensing::defaults(true)
    }
}

fn seat() -> Licensing {
    Licensing {
        binding: Binding::Floating,
        ..Licensing::defaults(false)
    }
}

fn license(stored: LicenseStatus) -> LicenseState {
    LicenseState {
        stored,
        valid_from: at(2),
        valid_until: at(10),
    }
}

const HOST: &str = "9f3c000000000000000000000000000000000000000000000000000000000001";
const OTHER: &str = "9f3c000000000000000000000000000000000000000000000000000000000002";

fn ask<'a>(
    license: &'a LicenseState,
    licensing: Licensing,
    machine: Option<ActiveMachine<'a>>,
) -> Validation<'a> {
    Validation {
        license,
        product: "dr",
        licensing,
        asked_product: Some("dr"),
        fingerprint: Some(HOST),
        machine,
        released_dead: false,
    }
}

#[test]
fn the_codes_follow_a_node_locked_license_through_its_life() {
    let held = license(LicenseStatus::Active);
    let here = Some(ActiveMachine {
        fingerprint: HOST,
        last_seen: at(2),
    });
    let v = ask(&held, dr(), here);
    assert_eq!(validate(&v, at(1)), ValidationCode::NotYetValid);
    assert_eq!(validate(&v, at(5)), ValidationCode::Valid);
    assert_eq!(validate(&v, at(10)), ValidationCode::InGrace);
    assert_eq!(validate(&v, at(16)), ValidationCode::InGrace);
    assert_eq!(validate(&v, at(17)), ValidationCode::Expired);
    // The expiry job's record does not cut the grace short.
    let recorded = license(LicenseStatus::Expired);
    assert_eq!(
        validate(&ask(&recorded, dr(), here), at(12)),
        ValidationCode::InGrace
    );
    let used = license(LicenseStatus::Consumed);
    assert_eq!(
        validate(&ask(&used, dr(), here), at(5)),
        ValidationCode::Consumed
    );
}

#[test]
fn a_bound_license_names_what_is_wrong_with_the_machine() {
    let held = license(LicenseStatus::Active);
    let elsewhere = Some(ActiveMachine {
        fingerprint: OTHER,
        last_seen: at(2),
    });
    assert_eq!(
        validate(&ask(&held, dr(), elsewhere), at(5)),
        ValidationCode::MachineMismatch
    );
    assert_eq!(
        validate(&ask(&held, dr(), None), at(5)),
        ValidationCode::NoMachine
    );
    let anonymous = Validation {
        fingerprint: None,
        ..ask(&held, dr(), None)
    };
    assert_eq!(
        validate(&anonymous, at(5)),
        ValidationCode::FingerprintRequired
    );
    let wrong_product = Validation {
        asked_product: Some("premium"),
        ..ask(&held, dr(), None)
    };
    assert_eq!(
        validate(&wrong_product, at(5)),
        ValidationCode::ProductMismatch
    );
    let unbound = Licensing::defaults(false);
    assert_eq!(
        validate(
            &Validation {
                fingerprint: None,
                ..ask(&held, unbound, None)
            },
            at(5)
        ),
        ValidationCode::Valid
    );
}

#[test]
fn a_floating_seat_dies_when_its_heartbeats_stop() {
    let held = license(LicenseStatus::Active);
    let last_seen = at(5);
    let here = Some(ActiveMachine {
        fingerprint: HOST,
        last_seen,
    });
    assert_eq!(
        seat().heartbeat_due(last_seen),
        last_seen + Duration::seconds(600)
    );
    let on_time = last_seen + Duration::seconds(600 + HEARTBEAT_DRIFT_SECONDS);
    assert_eq!(
        validate(&ask(&held, seat(), here), on_time),
        ValidationCode::Valid
    );
    assert_eq!(
        validate(&ask(&held, seat(), here), on_time + Duration::seconds(1)),
        ValidationCode::HeartbeatDead
    );
    let released = Validation {
        released_dead: true,
        ..ask(&held, seat(), None)
    };
    assert_eq!(validate(&released, at(6)), ValidationCode::HeartbeatDead);
    // A node-locked license has no heartbeats to miss.
    assert!(!dr().heartbeat_dead(last_seen, at(9)));
}

#[test]
fn files_expire_at_grace_end_or_after_their_life() {
    let issued = at(1);
    assert_eq!(dr().file_expiry(issued, at(17), None), at(17));
    assert_eq!(
        seat().file_expiry(issued, at(30), None),
        issued + Duration::seconds(600 + HEARTBEAT_DRIFT_SECONDS)
    );
    assert_eq!(
        dr().file_expiry(issued, at(17), Some(Duration::hours(1))),
        issued + Duration::hours(1)
    );
}

#[test]
fn fingerprints_are_checked() {
    assert!(valid_fingerprint(HOST));
    assert!(valid_fingerprint(&"a-b_".repeat(8)));
    assert!(!valid_fingerprint(&"a".repeat(31)));
    assert!(!valid_fingerprint(&"a".repeat(129)));
    assert!(!valid_fingerprint(&format!("{}!", "a".repeat(40))));
}

#[test]
fn moves_are_limited_per_window() {
    let rules = Licensing::defaults(true);
    let now = at(20);
    assert_eq!(rules.next_move_allowed(&[at(1), at(2)], now), None);
    let three = [at(3), at(1), at(2)];
    assert_eq!(
        rules.next_move_allowed(&three, now),
        Some(at(1) + Duration::days(30))
    );
    // Moves older than the window no longer count.
    let long_ago = now - Duration::days(31);
    assert_eq!(
        rules.next_move_allowed(&[long_ago, at(1), at(2)], now),
        None
    );
}

proptest! {
    /// Whatever the moves, the next allowed move is in the future and frees a place: at that
    /// moment fewer than the limit remain in the window.
    #[test]
    fn the_next_allowed_move_frees_a_place(
        offsets in proptest::collection::vec(0i64..(40 * 24 * 3600), 0..8),
        limit in 1u32..5,
    ) {
        let now = at(28) + Duration::days(20);
        let rules = Licensing { transfer_limit: limit, ..Licensing::defaults(true) };
        let moves: Vec<DateTime<Utc>> =
            offsets.iter().map(|s| now - Duration::seconds(*s)).collect();
        if let Some(next) = rules.next_move_allowed(&moves, now) {
            prop_assert!(next > now);
            prop_assert_eq!(rules.next_move_allowed(&moves, next), None);
        }
    }

    /// A file never outlives the license's grace.
    #[test]
    fn a_file_never_outlives_the_grace(days in 0i64..800, ttl in 1i64..1_000_000) {
        let issued = at(1);
        let grace_until = issued + Duration::days(days);
        for rules in [dr(), seat()] {
            let exp = rules.file_expiry(issued, grace_until, Some(Duration::seconds(ttl)));
            prop_assert!(exp <= grace_until);
            prop_assert!(exp <= issued + Duration::seconds(ttl));
        }
    }
}

#[test]
fn one_machine_holds_a_license() {
    assert_eq!(placement(None, HOST), Placement::Free);
    assert_eq!(
        placement(Some((HOST, "a")), &HOST.to_uppercase()),
        Placement::Here
    );
    assert_eq!(
        placement(Some((OTHER, "b")), HOST),
        Placement::Elsewhere("b")
    );
}

#[test]
fn only_the_softwares_own_moves_to_new_machines_count() {
    let past = |fingerprint, activated_by, day, released_by| PastMachine {
        fingerprint,
        activated_by,
        activated_at: at(day),
        released_by,
    };
    let client = MachineActor::Client;
    let history = [
        // The first activation is no move.
        past(HOST, client, 1, Some(client)),
        // Moved by itself: counted.
        past(OTHER, client, 2, Some(client)),
        // The same host back after deactivating itself? It was OTHER before: counted.
        past(HOST, client, 3, Some(MachineActor::Operator)),
        // After an operator released a destroyed host: not counted.
        past(OTHER, client, 4, Some(MachineActor::Job)),
        // After the job freed a silent seat: not counted.
        past(HOST, client, 5, Some(client)),
        // The same fingerprint coming back: not counted.
        past(HOST, client, 6, None),
    ];
    assert_eq!(moves_by_itself(&history), vec![at(2), at(3)]);
    let on_behalf = [
        past(HOST, client, 1, Some(client)),
        past(OTHER, MachineActor::Operator, 2, None),
    ];
    assert!(moves_by_itself(&on_behalf).is_empty());
}

#[test]
fn an_activation_is_refused_only_when_it_is_a_move_past_the_limit() {
    let rules = Licensing {
        transfer_limit: 1,
        ..Licensing::defaults(true)
    };
    let client = MachineActor::Client;
    let moved_once = [
        PastMachine {
            fingerprint: HOST,
            activated_by: client,
            activated_at: at(1),
            released_by: Some(client),
        },
        PastMachine {
            fingerprint: OTHER,
            activated_by: client,
            activated_at: at(2),
            released_by: Some(client),
        },
    ];
    let third = "9f3c000000000000000000000000000000000000000000000000000000000003";
    assert_eq!(
        refused_move_until(&rules, &moved_once, third, at(3)),
        Some(at(2) + Duration::days(30))
    );
    // The host released last coming back is no move.
    assert_eq!(refused_move_until(&rules, &moved_once, OTHER, at(3)), None);
    // The first activation is no move.
    assert_eq!(refused_move_until(&rules, &[], third, at(3)), None);
    assert!(file_is_stale(at(1), at(2)));
    assert!(!file_is_stale(at(2), at(2)));
}

#[test]
fn only_an_unbound_product_leaves_its_licenses_free_of_machines() {
    assert!(Binding::NodeLocked.binds());
    assert!(Binding::Floating.binds());
    assert!(!Binding::Unbound.binds());
    assert!(Licensing::defaults(true).binds());
    assert!(!Licensing::defaults(false).binds());
}
