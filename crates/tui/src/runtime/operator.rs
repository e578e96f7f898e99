//! The operator views' requests (issue 23), carried out on the runtime's tasks like the
//! account views' are.

use entitle_client::{AuditQuery, Client, ClientError};
use entitle_domain::api::ApiKeyInput;

use crate::operator::{ACCOUNTS_PAGE, AUDIT_PAGE, Answer, Ask, Deliveries, KEY_NAME};

/// Pages of webhook deliveries read for the webhooks view, of [`DELIVERY_PAGE`] each: the
/// server lists them oldest first, so the view reads up to these and shows the newest first.
const DELIVERY_PAGES: usize = 10;
const DELIVERY_PAGE: u32 = 200;

pub(super) async fn perform(client: &Client, ask: Ask) -> Result<Answer, ClientError> {
    Ok(match ask {
        Ask::Accounts { q, cursor } => Answer::Accounts(
            client
                .find_accounts(q.as_deref(), Some(ACCOUNTS_PAGE), cursor.as_deref())
                .await?,
        ),
        Ask::CreateAccount(input) => Answer::AccountCreated(client.create_account(&input).await?),
        Ask::CreateApiKey(account) => {
            let input = ApiKeyInput {
                name: KEY_NAME.to_owned(),
            };
            Answer::ApiKey(client.create_api_key(account, &input).await?)
        }
        Ask::InvoiceQueue => Answer::InvoiceQueue(client.invoice_queue().await?),
        Ask::WebhookEndpoints => {
            Answer::WebhookEndpoints(client.list_webhook_endpoints().await?.items)
        }
        Ask::WebhookDeliveries => {
            let mut items = Vec::new();
            let mut cursor: Option<String> = None;
            let mut complete = false;
            for _ in 0..DELIVERY_PAGES {
                let page = client
                    .list_webhook_deliveries(Some(DELIVERY_PAGE), cursor.as_deref())
                    .await?;
                items.extend(page.items);
                match page.next_cursor.0 {
                    Some(next) => cursor = Some(next),
                    None => {
                        complete = true;
                        break;
                    }
                }
            }
            items.reverse();
            Answer::WebhookDeliveries(Deliveries { items, complete })
        }
        Ask::Jobs => Answer::Jobs(client.list_jobs().await?.items),
        Ask::RunJob(job) => Answer::JobRun(client.run_job(&job).await?),
        Ask::Audit { filter, cursor } => {
            let query = AuditQuery {
                account_id: filter.account_id,
                actor: filter.actor,
                action: filter.action,
                newest_first: true,
                limit: Some(AUDIT_PAGE),
                cursor,
            };
            Answer::Audit(client.find_audit_events(&query).await?)
        }
    })
}
