//! Gathering what the pricing rules need and asking them for a price.

use entitle_domain::Clock;
use entitle_domain::Quote;
use entitle_domain::api::ProblemCode;
use entitle_domain::api::{QuoteRequest, QuoteView};
use entitle_domain::pricing::{PurchaseChoice, quote_purchase};
use entitle_domain::proration::{quote_add_seats, quote_upgrade};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::accounts::service as accounts;
use crate::auth::Principal;
use crate::catalog::service as catalog;
use crate::error::{ServiceError, ServiceResult};
use crate::payments::Providers;
use crate::subscriptions::store as subscriptions;

/// Prices `request` for the account `account_id` at the clock's now.
pub async fn quote(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    payments: &Providers,
    principal: Principal,
    account_id: Uuid,
    request: &QuoteRequest,
) -> ServiceResult<QuoteView> {
    let account = accounts::load(db, principal, account_id).await?;
    let quote = price(db, clock, &account, request).await?;
    Ok(QuoteView::new(&quote, &payments.payable(account.region)))
}

/// The domain's price for `request` by `account`; shared by quotes and orders.
pub async fn price(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    account: &accounts::AccountRecord,
    request: &QuoteRequest,
) -> ServiceResult<Quote> {
    let now = clock.now();
    let buyer = account.buyer();
    let quote = match request {
        QuoteRequest::Purchase(purchase) => {
            let product = catalog::named(db, &purchase.product).await?;
            let held = if product.one_per_account {
                let family = catalog::family_codes(db, &product).await?;
                subscriptions::live_among(db, account.id, &family, now).await?
            } else {
                None
            };
            let choice = PurchaseChoice {
                cycle: purchase.cycle,
                quantity: purchase.quantity,
                periods: purchase.periods,
            };
            quote_purchase(buyer, &product, choice, held.as_ref(), now)?
        }
        QuoteRequest::Upgrade(upgrade) => {
            let held = held_subscription(db, account.id, upgrade.subscription_id).await?;
            let current = catalog::named(db, held.product.as_str()).await?;
            let target = catalog::named(db, &upgrade.target_product).await?;
            quote_upgrade(buyer, &held, &current, &target, now)?
        }
        QuoteRequest::AddSeats(seats) => {
            let held = held_subscription(db, account.id, seats.subscription_id).await?;
            let product = catalog::named(db, held.product.as_str()).await?;
            quote_add_seats(buyer, &held, &product, seats.seats, now)?
        }
    };
    Ok(quote)
}

async fn held_subscription(
    db: &DatabaseConnection,
    account_id: Uuid,
    id: Uuid,
) -> ServiceResult<entitle_domain::subscription::HeldSubscription> {
    // The account in the path exists; the subscription the body names does not: the body's
    // fault (422), not a missing page.
    subscriptions::find_for_account(db, account_id, id)
        .await?
        .ok_or_else(|| ServiceError::Rule {
            code: ProblemCode::UnknownSubscription,
            detail: format!("this account has no subscription {id}"),
        })
}
