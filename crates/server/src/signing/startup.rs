//! What a server checks of its signing keys before it serves (issue 22). Apart from the
//! rotation (`store`), which audits, so that the state a server starts with needs neither.

use entitle_domain::machines::SigningKeyStatus;
use sea_orm::{DatabaseConnection, EntityTrait};

use super::seal::{SealError, Sealer};
use crate::store::entity::signing_key;

/// Checks at start that every key that may still sign opens with this server's sealer, so a
/// wrong `ENTITLE_KEY_ENCRYPTION_KEY` stops the start instead of failing every activation.
pub async fn check_opens(db: &DatabaseConnection, sealer: &Sealer) -> Result<(), SealError> {
    let Ok(keys) = signing_key::Entity::find().all(db).await else {
        return Ok(());
    };
    for key in keys
        .iter()
        .filter(|k| k.status != SigningKeyStatus::Retired)
    {
        sealer.open(&key.kid, &key.private_key, key.sealed)?;
        if sealer.seals() && !key.sealed {
            tracing::warn!(
                kid = %key.kid,
                "a signing key made before ENTITLE_KEY_ENCRYPTION_KEY was set is stored unsealed: \
                 make a next key and activate it"
            );
        }
    }
    Ok(())
}
