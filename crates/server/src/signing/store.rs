//! Signing keys in the store, shared by every instance (issue 22). A key is made `next`
//! (published, not signing), becomes `active` (at most one, by the partial unique index
//! `signing_keys_one_active`) and is `retired` when another takes over: retired keys stay
//! published while a file they signed has not expired.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use entitle_domain::api::{ProblemCode, SigningKey as SigningKeyView};
use entitle_domain::machines::SigningKeyStatus;
use entitle_verify::SigningKey;
use entitle_verify::keys::thumbprint_input;
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use sha2::{Digest, Sha256};

use super::seal::Sealer;
use crate::audit::{Actor, Change, name_id};
use crate::error::{ServiceError, ServiceResult};
use crate::store::entity::signing_key;
use crate::store::is_unique_violation;

/// The RFC 7638 thumbprint of an Ed25519 public key given as base64url `x`.
pub fn thumbprint(x: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(thumbprint_input(x).as_bytes()))
}

/// Makes a new key in `status` and stores it.
pub async fn create(
    db: &impl ConnectionTrait,
    sealer: &Sealer,
    status: SigningKeyStatus,
    now: DateTime<Utc>,
) -> ServiceResult<signing_key::Model> {
    let mut seed = [0_u8; 32];
    rand::rng().fill_bytes(&mut seed);
    let public = URL_SAFE_NO_PAD.encode(SigningKey::from_bytes(&seed).verifying_key().as_bytes());
    let kid = thumbprint(&public);
    let (private_key, sealed) = sealer
        .seal(&kid, &seed)
        .map_err(|err| ServiceError::Internal(err.to_string()))?;
    let active = status == SigningKeyStatus::Active;
    Ok(signing_key::ActiveModel {
        kid: Set(kid),
        public_key: Set(public),
        private_key: Set(private_key),
        sealed: Set(sealed),
        status: Set(status),
        created_at: Set(now),
        activated_at: Set(active.then_some(now)),
        retired_at: Set(None),
    }
    .insert(db)
    .await?)
}

/// The key that signs now, with its seed opened. A fresh install has none: the first
/// instance to sign makes one, and an instance that loses that race reads the winner's.
pub async fn signing(
    db: &DatabaseConnection,
    sealer: &Sealer,
    now: DateTime<Utc>,
) -> ServiceResult<(String, SigningKey)> {
    let row = match active(db).await? {
        Some(row) => row,
        None => match create(db, sealer, SigningKeyStatus::Active, now).await {
            Ok(row) => row,
            Err(ServiceError::Store(err)) if is_unique_violation(&err) => active(db)
                .await?
                .ok_or_else(|| ServiceError::Internal("no active signing key".to_owned()))?,
            Err(err) => return Err(err),
        },
    };
    let seed = sealer
        .open(&row.kid, &row.private_key, row.sealed)
        .map_err(|err| ServiceError::Internal(err.to_string()))?;
    Ok((row.kid, SigningKey::from_bytes(&seed)))
}

async fn active(db: &impl ConnectionTrait) -> ServiceResult<Option<signing_key::Model>> {
    Ok(signing_key::Entity::find()
        .filter(signing_key::Column::Status.eq(SigningKeyStatus::Active))
        .one(db)
        .await?)
}

/// Every key, newest first.
pub async fn all(db: &impl ConnectionTrait) -> ServiceResult<Vec<signing_key::Model>> {
    Ok(signing_key::Entity::find()
        .order_by_desc(signing_key::Column::CreatedAt)
        .all(db)
        .await?)
}

async fn named(db: &impl ConnectionTrait, kid: &str) -> ServiceResult<signing_key::Model> {
    signing_key::Entity::find_by_id(kid.to_owned())
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound("signing key"))
}

fn wrong_state(key: &signing_key::Model, step: &str) -> ServiceError {
    ServiceError::Conflict {
        code: ProblemCode::SigningKeyState,
        detail: format!("signing key {} is {}: {step}", key.kid, key.status),
    }
}

/// A step of the rotation, each from a `next` key.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// It signs from now on; the key that signed is retired.
    Activate,
    /// It is abandoned before it signed.
    Retire,
}

impl Step {
    fn to(self) -> (SigningKeyStatus, signing_key::Column, &'static str) {
        match self {
            Step::Activate => (
                SigningKeyStatus::Active,
                signing_key::Column::ActivatedAt,
                "signing_key.activated",
            ),
            Step::Retire => (
                SigningKeyStatus::Retired,
                signing_key::Column::RetiredAt,
                "signing_key.retired",
            ),
        }
    }

    fn refused(self) -> &'static str {
        match self {
            Step::Activate => "only a next key is activated",
            Step::Retire => {
                "activate another key to retire the active one; a retired key stays retired"
            }
        }
    }
}

/// Takes `step` on `kid` in one transaction with its audit entry. The move is conditional on
/// the key's still being `next`, and one active key is the database's rule
/// (`signing_keys_one_active`): of two rotations at once, one wins and the other is told so.
async fn rotate(
    db: &DatabaseConnection,
    actor: Actor,
    kid: &str,
    step: Step,
    now: DateTime<Utc>,
) -> ServiceResult<signing_key::Model> {
    let txn = db.begin().await?;
    let before = named(&txn, kid).await?;
    if before.status != SigningKeyStatus::Next {
        return Err(wrong_state(&before, step.refused()));
    }
    let (to, at_column, action) = step.to();
    if let Step::Activate = step {
        signing_key::Entity::update_many()
            .col_expr(
                signing_key::Column::Status,
                Expr::value(SigningKeyStatus::Retired),
            )
            .col_expr(signing_key::Column::RetiredAt, Expr::value(now))
            .filter(signing_key::Column::Status.eq(SigningKeyStatus::Active))
            .exec(&txn)
            .await?;
    }
    let moved = signing_key::Entity::update_many()
        .col_expr(signing_key::Column::Status, Expr::value(to))
        .col_expr(at_column, Expr::value(now))
        .filter(signing_key::Column::Kid.eq(kid))
        .filter(signing_key::Column::Status.eq(SigningKeyStatus::Next))
        .exec(&txn)
        .await
        .map_err(|err| {
            if is_unique_violation(&err) {
                wrong_state(&before, "another key was activated at the same time")
            } else {
                ServiceError::Store(err)
            }
        })?;
    if moved.rows_affected == 0 {
        return Err(wrong_state(&before, "it changed while this request ran"));
    }
    let after = named(&txn, kid).await?;
    audit(actor, action, &before, &after)
        .record(&txn, now)
        .await?;
    txn.commit().await?;
    Ok(after)
}

/// Makes `kid` (a `next` key) the one that signs, retiring the one that did: files signed
/// before stay verifiable with the retired key.
pub async fn activate(
    db: &DatabaseConnection,
    actor: Actor,
    kid: &str,
    now: DateTime<Utc>,
) -> ServiceResult<signing_key::Model> {
    rotate(db, actor, kid, Step::Activate, now).await
}

/// Retires `kid`, a `next` key abandoned before it signed. The active key is retired only by
/// activating its successor, so there is always one to sign with.
pub async fn retire(
    db: &DatabaseConnection,
    actor: Actor,
    kid: &str,
    now: DateTime<Utc>,
) -> ServiceResult<signing_key::Model> {
    rotate(db, actor, kid, Step::Retire, now).await
}

/// Makes a `next` key, published from now on and signing once activated.
pub async fn prepare(
    db: &DatabaseConnection,
    sealer: &Sealer,
    actor: Actor,
    now: DateTime<Utc>,
) -> ServiceResult<signing_key::Model> {
    let txn = db.begin().await?;
    let key = create(&txn, sealer, SigningKeyStatus::Next, now).await?;
    Change::new(
        actor,
        "signing_key.created",
        "signing_key",
        name_id("signing_key", &key.kid),
    )
    .after(&view(&key))
    .record(&txn, now)
    .await?;
    txn.commit().await?;
    Ok(key)
}

fn audit<'a>(
    actor: Actor,
    action: &'a str,
    before: &signing_key::Model,
    after: &signing_key::Model,
) -> Change<'a> {
    Change::new(
        actor,
        action,
        "signing_key",
        name_id("signing_key", &after.kid),
    )
    .states(&view(before), &view(after))
}

/// The key on the wire (never its private half).
pub fn view(row: &signing_key::Model) -> SigningKeyView {
    SigningKeyView {
        kid: row.kid.clone(),
        status: row.status,
        public_key: row.public_key.clone(),
        created_at: row.created_at,
        activated_at: row.activated_at.into(),
        retired_at: row.retired_at.into(),
    }
}
