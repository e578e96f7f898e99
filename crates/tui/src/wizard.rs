//! The subscribe, upgrade and add-seats wizards (DESIGN.md §3, §5): choose, see the server's
//! quote, then "Subscribe Now". Each step is plain state, so the flow is tested without a
//! terminal. Its keys and drawing are the dialog's, `dialogs::wizard`.

use entitle_domain::api::{
    AddSeatsOrder, AddSeatsRequest, OrderRequest, PaymentChoice, ProductView, PurchaseOrder,
    PurchaseRequest, QuoteRequest, QuoteView, Subscription, UpgradeOrder, UpgradeRequest,
};
use entitle_domain::{AccountKind, Cycle, PaymentMethod, ProductKind};

use crate::remote::Remote;

/// What the wizard buys.
#[derive(Debug, Clone, PartialEq)]
pub enum Goal {
    /// A new purchase from the catalog.
    Purchase,
    /// A higher edition for a held subscription.
    Upgrade(Subscription),
    /// More seats on a seat-based subscription.
    Seats(Subscription),
}

/// A step of the wizard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Product,
    Cycle,
    Quantity,
    AutoRenew,
    Method,
    Quote,
}

impl Step {
    pub fn title(self) -> &'static str {
        match self {
            Step::Product => "Product",
            Step::Cycle => "Billing cycle",
            Step::Quantity => "Quantity",
            Step::AutoRenew => "Auto-renewal",
            Step::Method => "Payment method",
            Step::Quote => "Quote",
        }
    }
}

/// The wizard's state.
#[derive(Debug, Clone)]
pub struct Wizard {
    pub goal: Goal,
    pub step: Step,
    /// The choices of the first step: products to buy, or editions to upgrade to.
    pub products: Vec<ProductView>,
    pub product: usize,
    pub cycle: Cycle,
    /// The quantity (or seats) as typed.
    pub quantity: String,
    pub auto_renew: bool,
    pub methods: Vec<PaymentMethod>,
    pub method: usize,
    pub quote: Remote<QuoteView>,
    /// One key per quote shown: pressing Subscribe twice, or retrying, makes one order.
    pub idempotency_key: String,
}

impl Wizard {
    /// A purchase wizard over the products `kind` may buy, as the domain decides
    /// (`ProductView::offered_to`): the console offers what the server would accept.
    pub fn purchase(catalog: &[ProductView], kind: AccountKind, methods: &[PaymentMethod]) -> Self {
        let products = catalog
            .iter()
            .filter(|p| p.offered_to(kind))
            .cloned()
            .collect();
        Wizard::new(Goal::Purchase, products, Step::Product, methods)
    }

    /// An upgrade wizard for `subscription`: the editions the domain calls upgrades of its
    /// product (`ProductView::upgrades`); none when the catalog no longer lists it.
    pub fn upgrade(
        catalog: &[ProductView],
        subscription: &Subscription,
        methods: &[PaymentMethod],
    ) -> Self {
        let current = catalog.iter().find(|p| p.code == subscription.product);
        let products = catalog
            .iter()
            .filter(|p| current.is_some_and(|c| p.upgrades(c)))
            .cloned()
            .collect();
        Wizard::new(
            Goal::Upgrade(subscription.clone()),
            products,
            Step::Product,
            methods,
        )
    }

    /// A wizard adding seats to `subscription`.
    pub fn seats(subscription: &Subscription, methods: &[PaymentMethod]) -> Self {
        Wizard::new(
            Goal::Seats(subscription.clone()),
            Vec::new(),
            Step::Quantity,
            methods,
        )
    }

    fn new(goal: Goal, products: Vec<ProductView>, step: Step, methods: &[PaymentMethod]) -> Self {
        Wizard {
            goal,
            step,
            products,
            product: 0,
            cycle: Cycle::Year,
            quantity: "1".to_owned(),
            auto_renew: true,
            methods: methods.to_vec(),
            method: 0,
            quote: Remote::default(),
            idempotency_key: uuid::Uuid::new_v4().to_string(),
        }
    }

    /// Offers `methods` (what the server's quote says it takes), keeping the method chosen
    /// when it is among them.
    pub fn offer(&mut self, methods: &[PaymentMethod]) {
        let chosen = self.methods.get(self.method).copied();
        self.methods = methods.to_vec();
        self.method = chosen
            .and_then(|m| self.methods.iter().position(|offered| *offered == m))
            .unwrap_or(0);
    }

    /// The product chosen (purchase, upgrade).
    pub fn chosen(&self) -> Option<&ProductView> {
        self.products.get(self.product)
    }

    /// The steps this wizard goes through, in order: one-time products have no cycle and no
    /// auto-renewal; an upgrade has no quantity; seats have no product.
    pub fn steps(&self) -> Vec<Step> {
        match &self.goal {
            Goal::Purchase => {
                let mut steps = vec![Step::Product];
                let term = self.chosen().is_some_and(|p| p.kind == ProductKind::Term);
                if term {
                    steps.push(Step::Cycle);
                }
                steps.push(Step::Quantity);
                if term && self.chosen().is_some_and(|p| p.auto_renewable) {
                    steps.push(Step::AutoRenew);
                }
                steps.extend([Step::Method, Step::Quote]);
                steps
            }
            Goal::Upgrade(_) => vec![Step::Product, Step::Method, Step::Quote],
            Goal::Seats(_) => vec![Step::Quantity, Step::Method, Step::Quote],
        }
    }

    /// The quantity typed, if it is a number from 1 up.
    pub fn quantity(&self) -> Option<u32> {
        self.quantity.parse().ok().filter(|q| *q >= 1)
    }

    /// Moves to the next step; `false` when the current one is not complete.
    pub fn advance(&mut self) -> bool {
        let ready = match self.step {
            Step::Product => self.chosen().is_some(),
            Step::Quantity => self.quantity().is_some(),
            Step::Method => !self.methods.is_empty(),
            Step::Cycle | Step::AutoRenew | Step::Quote => true,
        };
        if !ready {
            return false;
        }
        let steps = self.steps();
        if let Some(next) = steps
            .iter()
            .position(|s| *s == self.step)
            .and_then(|i| steps.get(i + 1))
        {
            self.step = *next;
            if self.step == Step::Quote {
                self.idempotency_key = uuid::Uuid::new_v4().to_string();
            }
        }
        true
    }

    /// Goes back one step; `false` at the first step (the wizard closes).
    pub fn back(&mut self) -> bool {
        let steps = self.steps();
        match steps.iter().position(|s| *s == self.step) {
            Some(i) if i > 0 => {
                self.step = steps[i - 1];
                true
            }
            _ => false,
        }
    }

    /// Moves the choice of the current step by `delta`.
    pub fn choose(&mut self, delta: isize) {
        let step = |index: usize, len: usize| -> usize {
            if len == 0 {
                0
            } else {
                (index as isize + delta).rem_euclid(len as isize) as usize
            }
        };
        match self.step {
            Step::Product => self.product = step(self.product, self.products.len()),
            Step::Cycle => {
                self.cycle = match self.cycle {
                    Cycle::Month => Cycle::Year,
                    Cycle::Year => Cycle::Month,
                }
            }
            Step::AutoRenew => self.auto_renew = !self.auto_renew,
            Step::Method => self.method = step(self.method, self.methods.len()),
            Step::Quantity => {
                let next = self.quantity().unwrap_or(1) as isize - delta;
                self.quantity = next.max(1).to_string();
            }
            Step::Quote => {}
        }
    }

    /// Types a digit into the quantity (a leading zero is dropped).
    pub fn type_digit(&mut self, digit: char) {
        if self.step == Step::Quantity && digit.is_ascii_digit() && self.quantity.len() < 6 {
            if self.quantity == "0" {
                self.quantity.clear();
            }
            self.quantity.push(digit);
        }
    }

    /// Deletes the quantity's last digit.
    pub fn erase(&mut self) {
        if self.step == Step::Quantity {
            self.quantity.pop();
        }
    }

    /// What to ask the server to price.
    pub fn quote_request(&self) -> Option<QuoteRequest> {
        match &self.goal {
            Goal::Purchase => {
                let product = self.chosen()?;
                Some(QuoteRequest::Purchase(PurchaseRequest {
                    product: product.code.clone(),
                    cycle: (product.kind == ProductKind::Term).then_some(self.cycle),
                    quantity: self.quantity()?,
                    periods: 1,
                }))
            }
            Goal::Upgrade(subscription) => Some(QuoteRequest::Upgrade(UpgradeRequest {
                subscription_id: subscription.id,
                target_product: self.chosen()?.code.clone(),
            })),
            Goal::Seats(subscription) => Some(QuoteRequest::AddSeats(AddSeatsRequest {
                subscription_id: subscription.id,
                seats: self.quantity()?,
            })),
        }
    }

    /// The order "Subscribe Now" places.
    pub fn order_request(&self) -> Option<OrderRequest> {
        let payment = PaymentChoice {
            payment_method: *self.methods.get(self.method)?,
            currency: None,
            return_url: None,
        };
        Some(match self.quote_request()? {
            QuoteRequest::Purchase(item) => {
                let renews = self.steps().contains(&Step::AutoRenew);
                OrderRequest::Purchase(PurchaseOrder {
                    item,
                    auto_renew: renews.then_some(self.auto_renew),
                    payment,
                })
            }
            QuoteRequest::Upgrade(item) => OrderRequest::Upgrade(UpgradeOrder { item, payment }),
            QuoteRequest::AddSeats(item) => OrderRequest::AddSeats(AddSeatsOrder { item, payment }),
        })
    }
}

#[cfg(test)]
mod tests;
