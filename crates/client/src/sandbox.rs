//! The sandbox provider's hosted checkout page, driven as a browser would: for the demo, the
//! console's test mode and the tests. Not an API resource; only the built-in sandbox's page
//! takes a plain form.

use crate::{Client, ClientError};

/// The form field that carries the page's anti-forgery token.
const CSRF_FIELD: &str = "name=\"csrf\" value=\"";

/// The anti-forgery token in a sandbox checkout page's form.
pub fn sandbox_csrf(page: &str) -> Option<String> {
    let start = page.find(CSRF_FIELD)? + CSRF_FIELD.len();
    let end = page[start..].find('"')?;
    Some(page[start..start + end].to_owned())
}

impl Client {
    /// Completes a sandbox checkout as its hosted page's Subscribe (or Decline) button does:
    /// the sandbox takes the payment and sends its signed callback. Only for the built-in
    /// sandbox provider, whose page takes a plain form.
    pub async fn complete_sandbox_checkout(
        &self,
        checkout_url: &str,
        succeed: bool,
    ) -> Result<(), ClientError> {
        let outcome = if succeed { "succeed" } else { "decline" };
        // The page carries an anti-forgery token that its form must post back.
        let page = self.http.get(checkout_url).send().await?.text().await?;
        let csrf = sandbox_csrf(&page).unwrap_or_default();
        let response = self
            .http
            .post(format!("{checkout_url}/pay"))
            .form(&[("outcome", outcome), ("csrf", csrf.as_str())])
            .send()
            .await?;
        let status = response.status();
        if status.is_success() || status.is_redirection() {
            Ok(())
        } else {
            Err(ClientError::Http {
                status,
                body: response.text().await.unwrap_or_default(),
            })
        }
    }
}
