use entitle_domain::AccountKind;
use entitle_domain::Region;
use entitle_domain::mail::Language;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub kind: AccountKind,
    pub region: Region,
    pub created_at: DateTimeUtc,
    /// The billing contact, if one was given.
    #[sea_orm(column_type = "String(StringLen::N(254))", nullable)]
    pub email: Option<String>,
    /// The language chosen for its messages; `None`: its region's.
    pub language: Option<Language>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
