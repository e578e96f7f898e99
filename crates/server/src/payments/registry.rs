//! The providers a server takes payments with, chosen per payment method (DESIGN.md §8).
//!
//! Live mode holds only the configured real providers; test mode adds the built-in sandbox for
//! every method no real provider takes. A region's method that nothing takes is not offered.

use std::sync::Arc;

use entitle_domain::eligibility::payable_methods;
use entitle_domain::{PaymentMethod, Region};

use super::PaymentProvider;
use super::sandbox::SandboxProvider;

/// Every provider of this server.
#[derive(Debug, Default)]
pub struct Providers {
    real: Vec<Arc<dyn PaymentProvider>>,
    sandbox: Option<Arc<SandboxProvider>>,
}

impl Providers {
    /// The configured real providers, and the sandbox in test mode.
    pub fn new(real: Vec<Arc<dyn PaymentProvider>>, sandbox: Option<Arc<SandboxProvider>>) -> Self {
        Providers { real, sandbox }
    }

    /// The provider that takes `method`: a real one where one is configured, else the sandbox
    /// (test mode only).
    pub fn for_method(&self, method: PaymentMethod) -> Option<Arc<dyn PaymentProvider>> {
        self.real
            .iter()
            .find(|p| p.methods().contains(&method))
            .cloned()
            .or_else(|| self.sandbox.clone().map(|s| s as Arc<dyn PaymentProvider>))
    }

    /// The provider called `name` (its callback and return routes), if this server has it.
    pub fn named(&self, name: &str) -> Option<Arc<dyn PaymentProvider>> {
        self.real
            .iter()
            .find(|p| p.name() == name)
            .cloned()
            .or_else(|| {
                self.sandbox
                    .clone()
                    .filter(|s| s.name() == name)
                    .map(|s| s as Arc<dyn PaymentProvider>)
            })
    }

    /// Whether renewals paid with `method` are charged to the saved method here; otherwise the
    /// customer pays them (pay to renew, DESIGN.md §8).
    pub fn charges_saved(&self, method: PaymentMethod) -> bool {
        self.for_method(method)
            .is_some_and(|provider| provider.charges_saved(method))
    }

    /// Whether the provider of `method` charges renewals only with the reference a first
    /// payment saved (Stripe, PayPal); a subscription without one pays to renew.
    pub fn needs_payment_token(&self, method: PaymentMethod) -> bool {
        self.for_method(method)
            .is_some_and(|provider| provider.needs_payment_token())
    }

    /// The region's methods that can be paid here, in the region's order.
    pub fn payable(&self, region: Region) -> Vec<PaymentMethod> {
        payable_methods(region, |method| self.for_method(method).is_some())
    }

    /// The sandbox, in test mode.
    pub fn sandbox(&self) -> Option<&Arc<SandboxProvider>> {
        self.sandbox.as_ref()
    }

    /// Whether no provider at all takes payments (a live server refuses to start so).
    pub fn is_empty(&self) -> bool {
        self.real.is_empty() && self.sandbox.is_none()
    }

    /// The names of the real providers configured, for the start-up log.
    pub fn names(&self) -> Vec<&'static str> {
        self.real.iter().map(|p| p.name()).collect()
    }
}
