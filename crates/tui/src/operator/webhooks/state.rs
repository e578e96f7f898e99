//! The webhooks view's state, as the model holds it.

use entitle_domain::api::{WebhookDelivery, WebhookEndpoint};

use crate::remote::{Cursor, Remote};

/// The latest deliveries, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deliveries {
    pub items: Vec<WebhookDelivery>,
    /// Every delivery on the server was read (else only the oldest pages were).
    pub complete: bool,
}

/// The webhooks view's state.
#[derive(Debug, Clone, Default)]
pub struct Webhooks {
    pub endpoints: Remote<Vec<WebhookEndpoint>>,
    pub deliveries: Remote<Deliveries>,
    /// The selection among the deliveries.
    pub cursor: Cursor,
}
