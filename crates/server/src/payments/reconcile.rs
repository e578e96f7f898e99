//! Nothing paid is lost (DESIGN.md §8): the `reconcile` job asks each provider about every
//! checkout still open after `--reconcile-after-seconds`, and fulfils what was paid through
//! the same exactly-once path as a callback ([`super::service::apply`]). A payment whose
//! callback never arrived is found by the next run, however long the outage. An order that
//! expires unpaid leaves its checkouts open for this job: they are closed only once the
//! provider, asked after the checkout's own expiry, still says unpaid.

use chrono::Duration;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::service::{self, FoundBy};
use super::{PaymentProvider, SessionRef};
use crate::app::AppState;
use crate::error::{ServiceError, ServiceResult};
use crate::orders::store;
use crate::store::entity::{checkout_session, order};

/// Checkouts asked about per run; the next run continues.
const BATCH: u64 = 500;
/// A checkout still unpaid this long after its provider stopped taking payment is closed: the
/// provider was told when to stop (`time_expire`), and the margin covers clocks that differ.
const CLOSE_AFTER: Duration = Duration::minutes(10);

/// The statuses of a checkout the provider may still report paid.
pub(crate) const PAYABLE: [&str; 2] = ["open", "superseded"];

/// Asks `provider` about `session` and applies what it says; `true` when that changed the
/// order. An unreachable provider is `ProviderUnavailable`, asked again later.
pub(crate) async fn settle(
    state: &AppState,
    provider: &dyn PaymentProvider,
    session: &checkout_session::Model,
    found_by: FoundBy,
) -> ServiceResult<bool> {
    let row = order::Entity::find_by_id(session.order_id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound("order"))?;
    let reference = SessionRef {
        id: session.id,
        order_id: session.order_id,
        amount: store::total(&row)?,
    };
    match provider.query(&reference).await {
        Ok(Some(notice)) => service::apply(state, provider, &notice, found_by).await,
        Ok(None) => {
            if session.expires_at + CLOSE_AFTER <= state.clock.now() {
                close(state, session.id).await?;
            }
            Ok(false)
        }
        Err(err) => Err(ServiceError::ProviderUnavailable(err.to_string())),
    }
}

async fn close(state: &AppState, session_id: Uuid) -> ServiceResult<()> {
    checkout_session::Entity::update_many()
        .col_expr(checkout_session::Column::Status, Expr::value("expired"))
        .filter(checkout_session::Column::Id.eq(session_id))
        .filter(checkout_session::Column::Status.is_in(PAYABLE))
        .exec(&state.db)
        .await?;
    Ok(())
}

/// The `reconcile` job: returns how many payments it found.
pub async fn run(state: &AppState) -> ServiceResult<u64> {
    let cutoff = state.clock.now() - state.config.reconcile_after;
    let open = checkout_session::Entity::find()
        .filter(checkout_session::Column::Status.is_in(PAYABLE))
        .filter(checkout_session::Column::CreatedAt.lte(cutoff))
        .order_by_asc(checkout_session::Column::CreatedAt)
        .limit(BATCH)
        .all(&state.db)
        .await?;
    let mut found = 0;
    for session in &open {
        let Some(provider) = state.payments.named(&session.provider) else {
            tracing::warn!(provider = %session.provider, session = %session.id,
                "a checkout of a provider this server no longer has");
            continue;
        };
        match settle(state, provider.as_ref(), session, FoundBy::Reconcile).await {
            Ok(true) => found += 1,
            Ok(false) => {}
            Err(ServiceError::ProviderUnavailable(why)) => {
                tracing::warn!(provider = provider.name(), session = %session.id, %why,
                    "reconcile: the provider did not answer; asked again next run");
            }
            Err(ServiceError::Callback(rejection)) => {
                tracing::error!(provider = provider.name(), session = %session.id, %rejection,
                    "reconcile: the provider's answer does not match the order");
            }
            Err(err) => return Err(err),
        }
    }
    Ok(found)
}
