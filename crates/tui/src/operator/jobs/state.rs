//! The jobs view's state, as the model holds it.

use entitle_domain::api::JobStatus;

use crate::remote::{Cursor, Remote};

/// The jobs view's state.
#[derive(Debug, Clone, Default)]
pub struct Jobs {
    pub list: Remote<Vec<JobStatus>>,
    pub cursor: Cursor,
}
