//! What the server signs for the licensed software (issue 22): license files and validation
//! receipts, PASETO `v4.public` tokens whose footer names the key (`kid`), and the key set
//! that verifies them (`/.well-known/entitle/keys.json`).
//!
//! `seal` keeps the private keys sealed at rest, `store` holds them and their rotation,
//! `api` is the admin's rotation and the published key set.

pub mod api;
pub mod seal;
pub mod startup;
pub mod store;

use chrono::{DateTime, Utc};
use entitle_domain::machines::SigningKeyStatus;
use entitle_verify::claims::RECEIPT_TYP;
use entitle_verify::claims::{FILE_TYP, FileClaims, Footer, IMPLICIT_ASSERTION, ReceiptClaims};
use entitle_verify::{Jwk, Jwks, armour, paseto};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use serde::Serialize;

use crate::error::{ServiceError, ServiceResult};
use crate::store::entity::license_file;
use seal::Sealer;

/// A token signed with the active key, and that key's id.
pub struct Signed {
    pub token: String,
    pub kid: String,
}

fn json(value: &impl Serialize) -> ServiceResult<Vec<u8>> {
    serde_json::to_vec(value).map_err(|err| ServiceError::Internal(err.to_string()))
}

async fn sign(
    db: &DatabaseConnection,
    sealer: &Sealer,
    claims: &impl Serialize,
    typ: &str,
    now: DateTime<Utc>,
) -> ServiceResult<Signed> {
    let (kid, key) = store::signing(db, sealer, now).await?;
    let footer = json(&Footer {
        kid: kid.clone(),
        typ: typ.to_owned(),
    })?;
    Ok(Signed {
        token: paseto::sign(&key, &json(claims)?, &footer, IMPLICIT_ASSERTION),
        kid,
    })
}

/// A license file: `claims` signed and armoured.
pub async fn license_file(
    db: &DatabaseConnection,
    sealer: &Sealer,
    claims: &FileClaims,
    now: DateTime<Utc>,
) -> ServiceResult<Signed> {
    let signed = sign(db, sealer, claims, FILE_TYP, now).await?;
    Ok(Signed {
        token: armour::wrap(&signed.token),
        kid: signed.kid,
    })
}

/// A validation receipt: the answer, the nonce and the server's time, signed.
pub async fn receipt(
    db: &DatabaseConnection,
    sealer: &Sealer,
    claims: &ReceiptClaims,
    now: DateTime<Utc>,
) -> ServiceResult<String> {
    Ok(sign(db, sealer, claims, RECEIPT_TYP, now).await?.token)
}

/// How long a retired key stays published whatever it signed: a receipt's life.
const RETIRED_KEPT: chrono::Duration = chrono::Duration::minutes(5);

/// The published key set: the `next` and `active` keys, and each retired key while a file it
/// signed has not expired (so rotating never breaks a file in the field) or a receipt it
/// signed may still be checked.
pub async fn key_set(db: &DatabaseConnection, now: DateTime<Utc>) -> ServiceResult<Jwks> {
    let mut keys = Vec::new();
    for row in store::all(db).await? {
        let recently = row.retired_at.is_some_and(|at| at + RETIRED_KEPT > now);
        if row.status == SigningKeyStatus::Retired && !recently {
            let live_files = license_file::Entity::find()
                .filter(license_file::Column::Kid.eq(row.kid.clone()))
                .filter(license_file::Column::ExpiresAt.gt(now))
                .count(db)
                .await?;
            if live_files == 0 {
                continue;
            }
        }
        keys.push(Jwk {
            kty: "OKP".to_owned(),
            crv: "Ed25519".to_owned(),
            x: row.public_key,
            kid: row.kid,
            use_: Some("sig".to_owned()),
            status: Some(row.status.to_string()),
            not_before: row.activated_at,
        });
    }
    Ok(Jwks { keys })
}
