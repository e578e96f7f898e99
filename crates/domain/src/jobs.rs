//! What the server's jobs report about a run (DESIGN.md §4: jobs catch up after downtime and
//! say how each run ended).

use serde::{Deserialize, Serialize};

/// How a job's last run ended.
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
pub enum JobOutcome {
    /// It did its work (possibly none).
    Ok,
    /// It stopped on an error; the next run tries again.
    Failed,
}
