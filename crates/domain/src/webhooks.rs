//! Outbound webhooks (DESIGN.md §4): each event is delivered to every endpoint that listens,
//! signed, and retried until it is delivered or its attempts run out.

use serde::{Deserialize, Serialize};

/// Where one delivery of an event to one endpoint stands.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "sea-orm", derive(sea_orm::DeriveValueType))]
#[cfg_attr(feature = "sea-orm", sea_orm(value_type = "String"))]
pub enum DeliveryStatus {
    /// Not delivered yet: its next attempt is due at its `next_attempt_at`.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Every attempt failed; it is not retried again.
    Failed,
}
