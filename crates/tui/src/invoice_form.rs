//! The invoice request form, opened from the Orders view (`i` on a paid order): the type the
//! account's region issues, and the buyer details that type needs (DESIGN.md §6). The server
//! checks the details; its refusal is shown in the form as it words it.

use entitle_domain::Region;
use entitle_domain::api::InvoiceRequest;
use entitle_domain::invoices::{BuyerDetails, InvoiceType};
use uuid::Uuid;

use crate::remote::RequestId;

/// The text fields, in the order the form shows them.
pub const FIELDS: [&str; 6] = [
    "Title (buyer name)",
    "Taxpayer ID",
    "Registered address",
    "Registered phone",
    "Bank",
    "Account number",
];

/// Where the form's focus is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Type,
    Company,
    Field(usize),
    Submit,
}

/// The form's state.
#[derive(Debug, Clone)]
pub struct InvoiceForm {
    pub order_id: Uuid,
    pub types: Vec<InvoiceType>,
    pub kind: usize,
    pub company: bool,
    pub fields: [String; 6],
    pub focus: Focus,
    pub error: Option<String>,
    pub pending: Option<RequestId>,
}

impl InvoiceForm {
    /// A form for `order_id` of an account in `region`.
    pub fn new(order_id: Uuid, region: Region) -> Self {
        let types = match region {
            Region::Cn => vec![InvoiceType::VatOrdinary, InvoiceType::VatSpecial],
            Region::Intl => vec![InvoiceType::Standard],
        };
        InvoiceForm {
            order_id,
            types,
            kind: 0,
            company: false,
            fields: Default::default(),
            focus: Focus::Type,
            error: None,
            pending: None,
        }
    }

    /// The type chosen.
    pub fn kind(&self) -> InvoiceType {
        self.types
            .get(self.kind)
            .copied()
            .unwrap_or(InvoiceType::Standard)
    }

    /// The stops of the focus, in order.
    fn stops() -> Vec<Focus> {
        let mut stops = vec![Focus::Type, Focus::Company];
        stops.extend((0..FIELDS.len()).map(Focus::Field));
        stops.push(Focus::Submit);
        stops
    }

    /// Moves the focus by `delta` stops.
    pub fn move_focus(&mut self, delta: isize) {
        let stops = Self::stops();
        let at = stops.iter().position(|s| *s == self.focus).unwrap_or(0) as isize;
        let next = (at + delta).clamp(0, stops.len() as isize - 1) as usize;
        self.focus = stops[next];
    }

    /// Changes the choice under the focus (type, company).
    pub fn toggle(&mut self) {
        match self.focus {
            Focus::Type => self.kind = (self.kind + 1) % self.types.len().max(1),
            Focus::Company => self.company = !self.company,
            _ => {}
        }
    }

    /// Types `c` into the focused field.
    pub fn type_char(&mut self, c: char) {
        match self.focus {
            Focus::Field(i) if self.fields[i].chars().count() < 200 => self.fields[i].push(c),
            Focus::Type | Focus::Company if c == ' ' => self.toggle(),
            _ => {}
        }
    }

    /// Deletes the focused field's last character.
    pub fn erase(&mut self) {
        if let Focus::Field(i) = self.focus {
            self.fields[i].pop();
        }
    }

    /// The request the form sends.
    pub fn request(&self) -> InvoiceRequest {
        let field = |i: usize| Some(self.fields[i].trim().to_owned()).filter(|v| !v.is_empty());
        InvoiceRequest {
            kind: self.kind(),
            buyer: BuyerDetails {
                title: field(0),
                company: self.company,
                taxpayer_id: field(1),
                address: field(2),
                phone: field(3),
                bank: field(4),
                account_number: field(5),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cn_form_offers_both_vat_types_and_builds_a_special_request() {
        let mut form = InvoiceForm::new(Uuid::nil(), Region::Cn);
        assert_eq!(form.kind(), InvoiceType::VatOrdinary);
        form.toggle();
        assert_eq!(form.kind(), InvoiceType::VatSpecial);
        form.move_focus(1);
        form.type_char(' ');
        assert!(form.company);
        form.move_focus(1);
        "Acme".chars().for_each(|c| form.type_char(c));
        form.erase();
        let request = form.request();
        assert_eq!(request.kind, InvoiceType::VatSpecial);
        assert_eq!(request.buyer.title.as_deref(), Some("Acm"));
        assert_eq!(request.buyer.bank, None);
    }

    #[test]
    fn an_intl_form_offers_the_standard_invoice_only() {
        let form = InvoiceForm::new(Uuid::nil(), Region::Intl);
        assert_eq!(form.types, vec![InvoiceType::Standard]);
    }
}
