//! A message on the wire.

use entitle_domain::api::Message;

use crate::store::entity::message;

/// The wire form.
pub fn view(row: &message::Model) -> Message {
    Message {
        id: row.id,
        account_id: row.account_id,
        kind: row.kind,
        subject: row.subject.clone(),
        to: row.to_address.clone(),
        language: row.language,
        status: row.status,
        attempts: u32::try_from(row.attempts).unwrap_or(0),
        sent_at: row.sent_at.into(),
        message_id: row.message_id.clone(),
        created_at: row.created_at,
    }
}
