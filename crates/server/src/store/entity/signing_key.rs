use entitle_domain::machines::SigningKeyStatus;
use sea_orm::entity::prelude::*;

/// An Ed25519 key that signs license files and receipts (issue 22), shared by every instance.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "signing_keys")]
pub struct Model {
    /// The RFC 7638 thumbprint of the public key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub kid: String,
    /// The 32-byte public key, base64url.
    pub public_key: String,
    /// The 32-byte seed, base64url; sealed with the key-encryption key when `sealed`.
    #[sea_orm(column_type = "Text")]
    pub private_key: String,
    pub sealed: bool,
    pub status: SigningKeyStatus,
    pub created_at: DateTimeUtc,
    pub activated_at: Option<DateTimeUtc>,
    pub retired_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
