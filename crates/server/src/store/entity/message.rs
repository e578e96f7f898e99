use entitle_domain::mail::{Language, MessageKind, MessageStatus};
use sea_orm::entity::prelude::*;

/// A message in the outbox (issue 21): written with the change it reports, sent by the `mail`
/// job.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "messages")]
pub struct Model {
    /// Random (v4): the message's pay link names it, so it must not be guessable.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub account_id: Uuid,
    /// The event (or invoice) it reports: one message per news and kind.
    pub source_id: Uuid,
    pub kind: MessageKind,
    pub language: Language,
    pub to_address: String,
    #[sea_orm(column_type = "Text")]
    pub subject: String,
    /// What the templates are given (JSON), as the change reported it.
    #[sea_orm(column_type = "Text")]
    pub data: String,
    pub status: MessageStatus,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTimeUtc>,
    /// While a server sends it, no other does.
    pub claimed_until: Option<DateTimeUtc>,
    pub sent_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub message_id: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
