//! Rows an account owns, read for a principal: an account key reaching another account's row
//! gets "not found", never the row (DESIGN.md §7: other accounts are 404).

use sea_orm::{ConnectionTrait, EntityTrait, PrimaryKeyTrait};
use uuid::Uuid;

use super::Principal;
use crate::error::{ServiceError, ServiceResult};
use crate::store::entity::{invoice, license, order, subscription};

/// A row that belongs to one account.
pub trait Owned {
    /// What the API calls it, for "not found".
    const WHAT: &'static str;
    fn account_id(&self) -> Uuid;
}

/// The `E` row `id` if `principal` may see it; else `not_found`, whether it is missing or
/// another account's.
pub async fn find<E>(
    db: &impl ConnectionTrait,
    principal: Principal,
    id: Uuid,
) -> ServiceResult<E::Model>
where
    E: EntityTrait,
    E::Model: Owned,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<Uuid>,
{
    let row = E::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound(<E::Model as Owned>::WHAT))?;
    principal.require_owner(row.account_id(), <E::Model as Owned>::WHAT)?;
    Ok(row)
}

macro_rules! owned_by_account {
    ($($entity:ident => $what:literal),* $(,)?) => {
        $(impl Owned for $entity::Model {
            const WHAT: &'static str = $what;
            fn account_id(&self) -> Uuid {
                self.account_id
            }
        })*
    };
}

owned_by_account!(
    invoice => "invoice",
    license => "license",
    order => "order",
    subscription => "subscription",
);
