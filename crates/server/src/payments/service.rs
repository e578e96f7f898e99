//! What a verified payment notice does: it must match the order it names (session, amount,
//! currency), and then a success fulfils the order and a decline fails it.

use sea_orm::EntityTrait;

use super::{CallbackRejection, PaymentNotice, PaymentOutcome};
use crate::app::AppState;
use crate::audit::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::orders::{fulfillment, service as orders, store};
use crate::store::entity::{checkout_session, order};

/// Applies `notice` from `provider`. Returns whether it changed anything (`false` for a
/// repeated delivery).
pub async fn apply(
    state: &AppState,
    provider: &'static str,
    notice: &PaymentNotice,
) -> ServiceResult<bool> {
    let mismatch = |why: &str| ServiceError::Callback(CallbackRejection::Mismatch(why.to_owned()));
    let row = order::Entity::find_by_id(notice.order_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| mismatch("no such order"))?;
    if let Some(session_id) = notice.session_id {
        let session = checkout_session::Entity::find_by_id(session_id)
            .one(&state.db)
            .await?
            .ok_or_else(|| mismatch("no such checkout session"))?;
        if session.order_id != row.id || session.provider != provider {
            return Err(mismatch("the checkout session belongs to another order"));
        }
    }
    if store::total(&row)? != notice.amount {
        return Err(mismatch(
            "the amount or currency differs from the order's total",
        ));
    }
    let actor = Actor::Provider(provider);
    match notice.outcome {
        PaymentOutcome::Succeeded => {
            fulfillment::fulfil(state, row.id, notice.occurred_at, actor).await
        }
        PaymentOutcome::Declined => orders::mark_failed(state, row.id, actor).await,
    }
}
