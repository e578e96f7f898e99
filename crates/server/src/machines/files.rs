//! License files (issue 22): one license on one machine, signed with the active key, valid
//! until the license's grace ends and at most for the file's life. Each is recorded with the
//! validity it carried, so a renewal shows which machines need a new one.

use chrono::{DateTime, Duration, Utc};
use entitle_domain::ProductKind;
use entitle_domain::api::LicenseFile;
use entitle_verify::claims::{FileClaims, LicenseClaims, MachineClaims, OneTime};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};
use uuid::Uuid;

use super::Licensed;
use crate::error::{ServiceError, ServiceResult};
use crate::licenses::store as licenses;
use crate::signing;
use crate::signing::seal::Sealer;
use crate::store::entity::{account, license_file, machine};

/// How soon an online client should fetch a fresh file.
const REFRESH_AFTER: Duration = Duration::hours(24);

/// Where a file is signed: the store and the sealer of its keys, and the issuer it names.
#[derive(Clone, Copy)]
pub struct Issuer<'a> {
    pub db: &'a DatabaseConnection,
    pub sealer: &'a Sealer,
    /// The server's public URL, the files' `iss`.
    pub url: &'a str,
}

/// Issues a file for `licensed` on `machine` at `now`, `ttl` shortening its life.
pub async fn issue(
    issuer: Issuer<'_>,
    licensed: &Licensed,
    machine: &machine::Model,
    ttl: Option<Duration>,
    now: DateTime<Utc>,
) -> ServiceResult<LicenseFile> {
    let license = &licensed.license;
    licenses::state(license)
        .check_file(
            licensed.product.licensing.grace_until(license.valid_until),
            now,
        )
        .map_err(ServiceError::License)?;
    let claims = claims(issuer, licensed, machine, ttl, now).await?;
    let signed = signing::license_file(issuer.db, issuer.sealer, &claims, now).await?;
    let id = Uuid::parse_str(&claims.jti).map_err(|e| ServiceError::Internal(e.to_string()))?;
    license_file::ActiveModel {
        id: Set(id),
        license_id: Set(licensed.license.id),
        machine_id: Set(machine.id),
        kid: Set(signed.kid.clone()),
        issued_at: Set(now),
        expires_at: Set(claims.exp),
        valid_until: Set(licensed.license.valid_until),
    }
    .insert(issuer.db)
    .await?;
    Ok(LicenseFile {
        license_file: signed.token,
        kid: signed.kid,
        issued_at: now,
        expires_at: claims.exp,
    })
}

/// A fresh file for the license's active machine with `fingerprint`.
pub async fn for_fingerprint(
    issuer: Issuer<'_>,
    licensed: &Licensed,
    fingerprint: &str,
    ttl: Option<Duration>,
    now: DateTime<Utc>,
) -> ServiceResult<LicenseFile> {
    let active = super::store::active(issuer.db, licensed.license.id)
        .await?
        .filter(|m| m.fingerprint.eq_ignore_ascii_case(fingerprint));
    let Some(machine) = active else {
        return Err(super::not_active_here());
    };
    issue(issuer, licensed, &machine, ttl, now).await
}

/// What the file says: no license key and no secret, only what the software checks.
async fn claims(
    issuer: Issuer<'_>,
    licensed: &Licensed,
    machine: &machine::Model,
    ttl: Option<Duration>,
    now: DateTime<Utc>,
) -> ServiceResult<FileClaims> {
    let license = &licensed.license;
    let rules = licensed.product.licensing;
    let account = account::Entity::find_by_id(license.account_id)
        .one(issuer.db)
        .await?
        .ok_or(ServiceError::NotFound("account"))?;
    let auto_renew = licensed.auto_renew(issuer.db).await?;
    let grace_until = rules.grace_until(license.valid_until);
    let exp = rules.file_expiry(now, grace_until, ttl);
    let one_time = licensed.product.kind == ProductKind::OneTime;
    Ok(FileClaims {
        iss: issuer.url.to_owned(),
        sub: license.id.to_string(),
        aud: license.product_code.clone(),
        jti: Uuid::now_v7().to_string(),
        iat: now,
        nbf: license.valid_from,
        exp,
        license: LicenseClaims {
            id: license.id.to_string(),
            product: license.product_code.clone(),
            kind: licensed.product.kind.to_string(),
            status: licenses::state(license).status_at(now).to_string(),
            valid_from: license.valid_from,
            valid_until: license.valid_until,
            grace_until,
            auto_renew,
            account: account.id.to_string(),
            account_name: account.name,
        },
        machine: MachineClaims {
            id: machine.id.to_string(),
            fingerprint: machine.fingerprint.clone(),
            hostname: machine.hostname.clone(),
        },
        one_time: one_time.then_some(OneTime { uses: 1 }),
        refresh_after: Some((now + REFRESH_AFTER).min(exp)),
    })
}

impl<'a> From<&'a crate::state::AppState> for Issuer<'a> {
    fn from(state: &'a crate::state::AppState) -> Self {
        Issuer {
            db: &state.db,
            sealer: &state.sealer,
            url: &state.config.public_url,
        }
    }
}
