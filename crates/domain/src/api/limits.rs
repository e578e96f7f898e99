//! Every free-text field of the API's requests, with its limit: one place to read them all.
//! The spec states the same limits (`maxLength`, checked by poem-openapi as the request is
//! read); these checks add what a JSON schema cannot say well (no control characters, see
//! [`crate::text`]) and hold for callers that do not come through the HTTP edge. Product
//! codes are not free text: the catalog parses them (`[a-z][a-z0-9_]*`).

use super::{
    AccountInput, ApiKeyInput, ConsumeLicense, OrderRequest, PaymentChoice, WebhookEndpointInput,
};
use crate::invoices::BuyerDetails;
use crate::text::{self, TextRefusal, check_free_text, check_multiline_text, check_optional};

impl AccountInput {
    /// The name is one line of at most [`text::NAME_MAX`] characters.
    pub fn check_text(&self) -> Result<(), TextRefusal> {
        check_free_text("name", &self.name, text::NAME_MAX)
    }
}

impl ApiKeyInput {
    /// The name is one line of at most [`text::NAME_MAX`] characters.
    pub fn check_text(&self) -> Result<(), TextRefusal> {
        check_free_text("name", &self.name, text::NAME_MAX)
    }
}

impl ConsumeLicense {
    /// The reference is one line of at most [`text::REFERENCE_MAX`] characters.
    pub fn check_text(&self) -> Result<(), TextRefusal> {
        check_free_text("reference", &self.reference, text::REFERENCE_MAX)
    }
}

impl WebhookEndpointInput {
    /// The URL, the secret and each event type are one line each.
    pub fn check_text(&self) -> Result<(), TextRefusal> {
        check_free_text("url", &self.url, text::URL_MAX)?;
        check_free_text("secret", &self.secret, text::SECRET_MAX)?;
        self.events
            .iter()
            .try_for_each(|event| check_free_text("events", event, text::EVENT_TYPE_MAX))
    }
}

impl PaymentChoice {
    /// The return URL, when given, is one line of at most [`text::URL_MAX`] characters.
    pub fn check_text(&self) -> Result<(), TextRefusal> {
        check_optional("return_url", self.return_url.as_deref(), text::URL_MAX)
    }
}

impl OrderRequest {
    /// How it is paid (a trial has nothing free-text beyond its product's code).
    pub fn check_text(&self) -> Result<(), TextRefusal> {
        self.payment().map_or(Ok(()), PaymentChoice::check_text)
    }
}

impl BuyerDetails {
    /// Each detail is one line, except the address, which may run over several.
    pub fn check_text(&self) -> Result<(), TextRefusal> {
        check_optional("title", self.title.as_deref(), text::INVOICE_NAME_MAX)?;
        check_optional(
            "taxpayer_id",
            self.taxpayer_id.as_deref(),
            text::INVOICE_CODE_MAX,
        )?;
        if let Some(address) = self.address.as_deref() {
            check_multiline_text("address", address, text::ADDRESS_MAX)?;
        }
        check_optional("phone", self.phone.as_deref(), text::INVOICE_CODE_MAX)?;
        check_optional("bank", self.bank.as_deref(), text::INVOICE_NAME_MAX)?;
        check_optional(
            "account_number",
            self.account_number.as_deref(),
            text::INVOICE_CODE_MAX,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::AccountKind;
    use crate::region::{PaymentMethod, Region};

    #[test]
    fn a_nul_in_any_request_field_names_that_field() {
        let account = AccountInput {
            name: "Acme\0".to_owned(),
            kind: AccountKind::Individual,
            region: Region::Cn,
            email: None,
            language: None,
        };
        assert_eq!(account.check_text().map_err(|e| e.field()), Err("name"));
        let endpoint = WebhookEndpointInput {
            url: "https://example.com/hook".to_owned(),
            events: vec!["order.paid".to_owned(), "order\u{1}".to_owned()],
            secret: "0123456789abcdef".to_owned(),
        };
        assert_eq!(endpoint.check_text().map_err(|e| e.field()), Err("events"));
        let payment = PaymentChoice {
            payment_method: PaymentMethod::Alipay,
            currency: None,
            return_url: Some("https://example.com/\0".to_owned()),
        };
        assert_eq!(
            payment.check_text().map_err(|e| e.field()),
            Err("return_url")
        );
        let consume = ConsumeLicense {
            reference: "run\n42".to_owned(),
        };
        assert_eq!(
            consume.check_text().map_err(|e| e.field()),
            Err("reference")
        );
    }

    #[test]
    fn an_address_may_have_lines_a_bank_may_not() {
        let mut buyer = BuyerDetails {
            title: Some("北京某某科技有限公司".to_owned()),
            address: Some("北京市海淀区\n某某路 1 号".to_owned()),
            ..BuyerDetails::default()
        };
        assert_eq!(buyer.check_text(), Ok(()));
        buyer.bank = Some("Bank\nof China".to_owned());
        assert_eq!(buyer.check_text().map_err(|e| e.field()), Err("bank"));
        buyer.bank = None;
        buyer.phone = Some("1".repeat(text::INVOICE_CODE_MAX + 1));
        assert_eq!(buyer.check_text().map_err(|e| e.field()), Err("phone"));
    }
}
