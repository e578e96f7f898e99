//! Accounts as the vendor's operators find them (issue 23): searched by name or id, each
//! with its live subscriptions and unpaid orders, counted in the database for the page.

use std::collections::HashMap;

use entitle_domain::api::{AccountOverview, AccountOverviewPage};
use entitle_domain::orders::OrderStatus;
use entitle_domain::subscription::SubscriptionStatus;
use entitle_domain::text::{self, check_free_text};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::service::AccountRecord;
use crate::auth::Principal;
use crate::error::ServiceResult;
use crate::pagination::PageRequest;
use crate::store::entity::{account, order, subscription};

/// One page of accounts (admin keys only), oldest first; `search` finds an account by its
/// whole id or by part of its name, in any case.
pub async fn list(
    db: &DatabaseConnection,
    principal: Principal,
    search: Option<&str>,
    page: PageRequest,
) -> ServiceResult<AccountOverviewPage> {
    principal.require_admin()?;
    let mut query = account::Entity::find().order_by_asc(account::Column::Id);
    if let Some(search) = search.map(str::trim).filter(|s| !s.is_empty()) {
        // Checked before it reaches the store: PostgreSQL refuses a NUL with an error.
        check_free_text("q", search, text::NAME_MAX)?;
        query = match Uuid::parse_str(search) {
            Ok(id) => query.filter(account::Column::Id.eq(id)),
            Err(_) => query.filter(
                Expr::expr(Func::lower(Expr::col(account::Column::Name))).like(
                    LikeExpr::new(format!("%{}%", like_escaped(&search.to_lowercase())))
                        .escape('\\'),
                ),
            ),
        };
    }
    let (rows, next_cursor) = page
        .load(db, query, account::Column::Id, |row| row.id)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let live = counts(
        db,
        subscription::Entity::find()
            .filter(subscription::Column::AccountId.is_in(ids.clone()))
            .filter(subscription::Column::Status.ne(SubscriptionStatus::Expired))
            .select_only()
            .column(subscription::Column::AccountId)
            .column_as(subscription::Column::Id.count(), "count")
            .group_by(subscription::Column::AccountId),
    )
    .await?;
    let unpaid = counts(
        db,
        order::Entity::find()
            .filter(order::Column::AccountId.is_in(ids))
            .filter(order::Column::Status.eq(OrderStatus::PendingPayment))
            .select_only()
            .column(order::Column::AccountId)
            .column_as(order::Column::Id.count(), "count")
            .group_by(order::Column::AccountId),
    )
    .await?;
    let items = rows
        .into_iter()
        .map(|row| {
            let id = row.id;
            AccountOverview {
                account: AccountRecord::from(row).view(),
                live_subscriptions: live.get(&id).copied().unwrap_or(0),
                unpaid_orders: unpaid.get(&id).copied().unwrap_or(0),
            }
        })
        .collect();
    Ok(AccountOverviewPage {
        items,
        next_cursor: next_cursor.into(),
    })
}

async fn counts<E: EntityTrait>(
    db: &DatabaseConnection,
    query: sea_orm::Select<E>,
) -> ServiceResult<HashMap<Uuid, u64>> {
    let rows: Vec<(Uuid, i64)> = query.into_tuple().all(db).await?;
    Ok(rows
        .into_iter()
        .map(|(id, count)| (id, u64::try_from(count).unwrap_or(0)))
        .collect())
}

/// `text` with LIKE's wildcards taken literally (escaped with `\`): a search for `50%`
/// finds `50%`, not every name with `50` in it.
fn like_escaped(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
