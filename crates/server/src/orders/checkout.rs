//! Checkouts (DESIGN.md §8): an order's checkout is started at the provider that takes its
//! method before anything is stored (a provider that cannot be reached or whose answer does not
//! verify leaves nothing payable), an unpaid order gets a fresh one whenever its customer is
//! about to pay, and a checkout superseded, canceled or never stored is closed at its provider.
//!
//! Checkouts are asked about, and what was paid applied, by `payments::reconcile`, which calls
//! down into orders (fulfilment); nothing here calls back up into payments' services.

use chrono::{DateTime, Utc};
use entitle_domain::api::Order;
use entitle_domain::checkout::CheckoutStatus;
use entitle_domain::orders::{OrderStatus, saves_payment_method};
use entitle_domain::{Clock, Money, PaymentMethod, Refusal};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};
use uuid::Uuid;

use super::store;
use crate::audit::{Actor, Change};
use crate::auth::Principal;
use crate::config::Config;
use crate::error::{ServiceError, ServiceResult};
use crate::payments::{CheckoutRequest, Providers, SessionRef};
use crate::store::entity::{checkout_session, order};

/// What a checkout is started for.
pub(crate) struct Payable<'a> {
    pub order_id: Uuid,
    pub amount: Money,
    pub method: PaymentMethod,
    pub product: &'a str,
    /// Whether paying it saves the method for renewals
    /// ([`entitle_domain::orders::saves_payment_method`]).
    pub saves_method: bool,
}

/// Starts a checkout for `payable` at the provider that takes its method; the session to
/// store, not yet stored.
pub(crate) async fn start_checkout(
    payments: &Providers,
    payable: &Payable<'_>,
    session_id: Uuid,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ServiceResult<checkout_session::ActiveModel> {
    let provider =
        payments
            .for_method(payable.method)
            .ok_or_else(|| Refusal::PaymentMethodUnavailable {
                method: payable.method,
                available: Vec::new(),
            })?;
    let subject = format!(
        "Entitle {} order {}",
        payable.product,
        payable.order_id.simple()
    );
    let started = provider
        .start_checkout(&CheckoutRequest {
            session_id,
            order_id: payable.order_id,
            amount: payable.amount,
            method: payable.method,
            subject: &subject,
            expires_at,
            saves_method: payable.saves_method,
        })
        .await
        .map_err(|e| {
            tracing::warn!(provider = provider.name(), error = %e, "a checkout was not started");
            ServiceError::ProviderUnavailable(e.for_caller())
        })?;
    let amount_minor = payable
        .amount
        .to_minor()
        .map_err(|_| Refusal::AmountOutOfRange)?;
    Ok(checkout_session::ActiveModel {
        id: Set(session_id),
        order_id: Set(payable.order_id),
        provider: Set(provider.name().to_owned()),
        url: Set(started.url),
        amount_minor: Set(amount_minor),
        currency: Set(payable.amount.currency()),
        payment_method: Set(payable.method),
        status: Set(CheckoutStatus::Open),
        created_at: Set(now),
        expires_at: Set(expires_at),
        provider_ref: Set(started.provider_ref),
        qr_code: Set(started.qr_code),
    })
}

/// A fresh checkout for the unpaid order `id` (`POST /v1/orders/{id}/checkout`): a provider's
/// QR code lives minutes and an order days (a pay-to-renew order lives until its grace ends),
/// so the customer gets a new one whenever they open it. The checkouts before it are
/// superseded but still reconciled: the provider may take them until they expire there.
pub async fn reopen_checkout(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    config: &Config,
    payments: &Providers,
    principal: Principal,
    id: Uuid,
) -> ServiceResult<Order> {
    let row = store::owned(db, principal, id).await?;
    fresh(db, clock, config, payments, Actor::from(principal), &row).await
}

/// A fresh checkout for the unpaid order `row`, opened from an email's pay link (no key: the
/// link's message id is the capability, issue 21); the page to send the browser to.
pub async fn fresh_for_link(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    config: &Config,
    payments: &Providers,
    row: &order::Model,
) -> ServiceResult<String> {
    fresh(db, clock, config, payments, Actor::System, row)
        .await?
        .checkout
        .map(|checkout| checkout.url)
        .ok_or_else(|| ServiceError::Internal("a checkout without a page".to_owned()))
}

/// A fresh checkout for the unpaid order `row`, open until the order ends or the order's time
/// to live, whichever comes first, recorded as `actor`'s.
async fn fresh(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    config: &Config,
    payments: &Providers,
    actor: Actor,
    row: &order::Model,
) -> ServiceResult<Order> {
    row.status.reopen_checkout()?;
    let now = clock.now();
    let method = row
        .payment_method
        .ok_or_else(|| ServiceError::Invalid("this order is not paid with a method".to_owned()))?;
    let expires_at = match row.expires_at {
        Some(order_ends) => order_ends.min(now + config.order_ttl),
        None => now + config.order_ttl,
    };
    let payable = Payable {
        order_id: row.id,
        amount: store::total(row)?,
        method,
        product: &row.product_code,
        saves_method: saves_payment_method(row.kind, row.auto_renew),
    };
    opened_checkout(db, payments, actor, &payable, expires_at, now).await
}

/// Starts, stores and records a checkout for `payable`, superseding the order's open ones.
pub(crate) async fn opened_checkout(
    db: &DatabaseConnection,
    payments: &Providers,
    actor: Actor,
    payable: &Payable<'_>,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ServiceResult<Order> {
    let session = start_checkout(payments, payable, Uuid::now_v7(), expires_at, now).await?;
    let before = store::load_view(db, payable.order_id).await?;
    let txn = db.begin().await?;
    // Still unpaid, claimed by a conditional write (a transaction that starts with its write
    // waits its turn on SQLite): a payment that landed while the provider was asked wins, and
    // the answer is the paid order.
    let unpaid = order::Entity::update_many()
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .filter(order::Column::Id.eq(payable.order_id))
        .filter(order::Column::Status.eq(OrderStatus::PendingPayment))
        .exec(&txn)
        .await?;
    if unpaid.rows_affected == 0 {
        txn.rollback().await?;
        abandon(payments, session).await;
        return store::load_view(db, payable.order_id).await;
    }
    let superseded = checkout_session::Entity::find()
        .filter(checkout_session::Column::OrderId.eq(payable.order_id))
        .filter(checkout_session::Column::Status.eq(CheckoutStatus::Open))
        .all(&txn)
        .await?;
    checkout_session::Entity::update_many()
        .col_expr(
            checkout_session::Column::Status,
            Expr::value(CheckoutStatus::Superseded),
        )
        .filter(checkout_session::Column::OrderId.eq(payable.order_id))
        .filter(checkout_session::Column::Status.eq(CheckoutStatus::Open))
        .exec(&txn)
        .await?;
    session.insert(&txn).await?;
    let after = store::load_view(&txn, payable.order_id).await?;
    Change::new(actor, "order.checkout_opened", "order", after.id)
        .account(after.account_id)
        .states(&before, &after)
        .record(&txn, now)
        .await?;
    txn.commit().await?;
    close_at_providers(payments, &superseded).await;
    Ok(after)
}

/// Closes `sessions` at their providers, best effort (logged when a provider does not take it).
/// Reconciliation still asks about them: the customer may have paid a moment before.
pub(crate) async fn close_at_providers(payments: &Providers, sessions: &[checkout_session::Model]) {
    for session in sessions {
        let Some(provider) = payments.named(&session.provider) else {
            continue;
        };
        let reference = SessionRef::of(session);
        if let Err(err) = provider.close(&reference).await {
            tracing::warn!(provider = provider.name(), session = %session.id, error = %err,
                "a superseded or canceled checkout could not be closed at its provider");
        }
    }
}

/// Closes at its provider a checkout that was started but is not stored after all (another
/// request's order won, or the order was paid meanwhile), so that nothing stays payable that
/// no one reconciles.
pub(crate) async fn abandon(payments: &Providers, session: checkout_session::ActiveModel) {
    match sea_orm::TryIntoModel::try_into_model(session) {
        Ok(session) => close_at_providers(payments, std::slice::from_ref(&session)).await,
        Err(err) => tracing::warn!(error = %err, "an abandoned checkout could not be read"),
    }
}
