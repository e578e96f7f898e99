//! "May I run?" (issue 22): the domain's answer for a license, the machine asking and the
//! product it is, with a signed receipt echoing the caller's nonce so a recorded answer
//! cannot be replayed, and a fresh file when the machine's predates a renewal.

use chrono::{DateTime, Duration, Utc};
use entitle_domain::api::{LicenseFacts, ValidateRequest, Validity};
use entitle_domain::machines::{
    ActiveMachine, Validation, ValidationCode, valid_fingerprint, validate,
};
use entitle_verify::claims::ReceiptClaims;

use super::files::{self, Issuer};
use super::{Licensed, heartbeat, store};
use crate::error::ServiceResult;
use crate::licenses::store as licenses;
use crate::signing;

/// How long a receipt vouches for its answer.
const RECEIPT_LIFE: Duration = Duration::minutes(5);

/// Answers a validation of `licensed` at `now`.
pub async fn answer(
    issuer: Issuer<'_>,
    licensed: &Licensed,
    request: &ValidateRequest,
    now: DateTime<Utc>,
) -> ServiceResult<Validity> {
    let db = issuer.db;
    let license = &licensed.license;
    let rules = licensed.product.licensing;
    let fingerprint = request.fingerprint.as_deref();
    if fingerprint.is_some_and(|f| !valid_fingerprint(f)) {
        return Err(super::fingerprint_invalid());
    }
    let active = if rules.binds() {
        store::active(db, license.id).await?
    } else {
        None
    };
    let here = active
        .as_ref()
        .filter(|m| fingerprint.is_some_and(|f| m.fingerprint.eq_ignore_ascii_case(f)));
    let released_dead = match (here, fingerprint) {
        (None, Some(f)) if active.is_none() => heartbeat::died_here(db, license.id, f).await?,
        _ => false,
    };
    let state = licenses::state(license);
    let code = validate(
        &Validation {
            license: &state,
            product: &license.product_code,
            licensing: rules,
            asked_product: request.product.as_deref(),
            fingerprint,
            machine: active.as_ref().map(|m| ActiveMachine {
                fingerprint: &m.fingerprint,
                last_seen: m.last_heartbeat_at.unwrap_or(m.activated_at),
            }),
            released_dead,
        },
        now,
    );
    let grace_until = rules.grace_until(license.valid_until);
    let latest = match here {
        Some(m) => store::latest_files(db, &[m.id]).await?.remove(&m.id),
        None => None,
    };
    let license_file = match here {
        Some(m) if code.is_valid() && store::stale(latest.as_ref(), license.valid_until) => Some(
            files::issue(issuer, licensed, m, None, now)
                .await?
                .license_file,
        ),
        _ => None,
    };
    let receipt = signing::receipt(
        db,
        issuer.sealer,
        &ReceiptClaims {
            sub: license.id.to_string(),
            fpr: fingerprint.map(str::to_owned),
            code: code.to_string(),
            valid: code.is_valid(),
            nonce: request.nonce.clone(),
            iat: now,
            exp: now + RECEIPT_LIFE,
        },
        now,
    )
    .await?;
    let auto_renew = licensed.auto_renew(db).await?;
    Ok(Validity {
        valid: code.is_valid(),
        code,
        detail: detail(code, license.valid_until, grace_until),
        license: LicenseFacts {
            id: license.id,
            product: license.product_code.clone(),
            status: state.status_at(now),
            valid_from: license.valid_from,
            valid_until: license.valid_until,
            grace_until,
            auto_renew,
        },
        machine: here.map(|m| store::view(m, &rules, latest.as_ref(), license.valid_until)),
        server_time: now,
        receipt,
        license_file: license_file.into(),
    })
}

/// The code in a sentence, for the software's log.
fn detail(code: ValidationCode, valid_until: DateTime<Utc>, grace_until: DateTime<Utc>) -> String {
    let until = valid_until.to_rfc3339();
    let grace = grace_until.to_rfc3339();
    match code {
        ValidationCode::Valid => format!("valid until {until}"),
        ValidationCode::InGrace => {
            format!("the license ended at {until}; keep running until {grace} while it is renewed")
        }
        ValidationCode::Expired => format!("the license ended at {until} and its grace at {grace}"),
        ValidationCode::NotYetValid => "the license's validity has not started".to_owned(),
        ValidationCode::Consumed => "this one-time license was used by its run".to_owned(),
        ValidationCode::FingerprintRequired => {
            "this product binds to machines: send the machine's fingerprint".to_owned()
        }
        ValidationCode::NoMachine => "the license is not activated on any machine".to_owned(),
        ValidationCode::MachineMismatch => "the license is activated on another machine".to_owned(),
        ValidationCode::ProductMismatch => "the key belongs to another product".to_owned(),
        ValidationCode::HeartbeatDead => {
            "this machine's seat was released after its heartbeats stopped: activate again"
                .to_owned()
        }
    }
}
