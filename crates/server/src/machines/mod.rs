//! Machines and license files (issue 22): the hosts a license is activated on, what the
//! licensed software is told when it asks "may I run?", and the signed files it checks
//! offline. Two doors lead here, one implementation behind them: the client API (the
//! software, with its license key, `crate::client`) and the operator's (`api`, account keys).
//!
//! - `store`: rows ↔ the API's `Machine`, a license's active machine, the latest files;
//! - `files`: a license file's claims, signed and recorded;
//! - `activation`: activate (one machine per license, decided by the database; moves
//!   limited) and release;
//! - `heartbeat`: floating seats' heartbeats and the `machines` job that releases the dead;
//! - `validation`: the answer and its signed receipt;
//! - `stale`: machines whose file predates a renewal;
//! - `service`: the operator's door (a license as an account key sees it).

pub mod activation;
pub mod answer;
pub mod api;
pub mod files;
pub mod heartbeat;
pub mod service;
pub mod stale;
pub mod store;
pub mod validation;

use entitle_domain::Product;
use sea_orm::{DatabaseConnection, EntityTrait};

use crate::catalog::service as catalog;
use entitle_domain::api::ProblemCode;

use crate::error::{ServiceError, ServiceResult};
use crate::store::entity::{license, subscription};

/// A license with its product, which holds the licensing rules.
#[derive(Debug, Clone)]
pub struct Licensed {
    pub license: license::Model,
    pub product: Product,
}

impl Licensed {
    /// `license` with its product read from the catalog.
    pub async fn load(db: &DatabaseConnection, license: license::Model) -> ServiceResult<Self> {
        let product = catalog::named(db, &license.product_code).await?;
        Ok(Licensed { license, product })
    }

    /// Whether the license's subscription renews itself (false for a one-time purchase).
    pub async fn auto_renew(&self, db: &DatabaseConnection) -> ServiceResult<bool> {
        let Some(id) = self.license.subscription_id else {
            return Ok(false);
        };
        Ok(subscription::Entity::find_by_id(id)
            .one(db)
            .await?
            .is_some_and(|s| s.auto_renew))
    }
}

/// A fingerprint that is not one (422 `fingerprint_invalid`).
pub fn fingerprint_invalid() -> ServiceError {
    ServiceError::Rule {
        code: ProblemCode::FingerprintInvalid,
        detail: "a fingerprint is 32 to 128 characters of letters, digits, '-' and '_'".to_owned(),
    }
}

/// The license holds no active machine by the name asked (404 `machine_not_found`).
pub fn not_active_here() -> ServiceError {
    ServiceError::Absent {
        code: ProblemCode::MachineNotFound,
        detail: "this license is not active on this machine: activate it first".to_owned(),
    }
}
