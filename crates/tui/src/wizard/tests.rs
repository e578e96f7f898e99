//! The wizard's steps and rules, without a terminal.

use entitle_domain::Currency;
use entitle_domain::api::{PriceEntry, ProductInput, ProductView};

use super::*;

fn product(code: &str, kind: ProductKind, account_kind: Option<AccountKind>) -> ProductView {
    let price = PriceEntry {
        cycle: (kind == ProductKind::Term).then_some(Cycle::Month),
        currency: Currency::Cny,
        amount: "99.00".parse().expect("amount"),
    };
    let input = ProductInput {
        validity_months: (kind == ProductKind::OneTime).then_some(3),
        account_kind,
        host_bound: true,
        ..ProductInput::new(code, code, kind, vec![price])
    };
    ProductView::from(&input.to_product().expect("a valid product"))
}

fn catalog() -> Vec<ProductView> {
    vec![
        product("dr", ProductKind::Term, None),
        product(
            "enterprise",
            ProductKind::Term,
            Some(AccountKind::Enterprise),
        ),
        product("failback", ProductKind::OneTime, None),
    ]
}

const METHODS: [PaymentMethod; 2] = [PaymentMethod::Alipay, PaymentMethod::WechatPay];

#[test]
fn the_methods_offered_are_the_quotes_and_the_choice_survives_when_it_can() {
    let mut wizard = Wizard::purchase(&catalog(), AccountKind::Individual, &METHODS);
    wizard.method = 1;
    wizard.offer(&[PaymentMethod::WechatPay]);
    assert_eq!(wizard.methods, vec![PaymentMethod::WechatPay]);
    assert_eq!(wizard.method, 0, "WeChat Pay stays chosen at its new place");
    wizard.offer(&[PaymentMethod::Paypal, PaymentMethod::Card]);
    assert_eq!(
        wizard.method, 0,
        "a method no longer offered falls back to the first"
    );
    assert_eq!(
        wizard
            .order_request()
            .and_then(|o| o.payment().map(|p| p.payment_method)),
        Some(PaymentMethod::Paypal)
    );
}

#[test]
fn an_individual_is_offered_what_it_may_buy() {
    let wizard = Wizard::purchase(&catalog(), AccountKind::Individual, &METHODS);
    let codes: Vec<&str> = wizard.products.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(codes, ["dr", "failback"]);
}

#[test]
fn a_term_product_walks_every_step_and_a_one_time_product_skips_cycle_and_renewal() {
    let mut wizard = Wizard::purchase(&catalog(), AccountKind::Individual, &METHODS);
    assert_eq!(
        wizard.steps(),
        [
            Step::Product,
            Step::Cycle,
            Step::Quantity,
            Step::AutoRenew,
            Step::Method,
            Step::Quote
        ]
    );
    wizard.choose(1);
    assert_eq!(wizard.chosen().map(|p| p.code.as_str()), Some("failback"));
    assert_eq!(
        wizard.steps(),
        [Step::Product, Step::Quantity, Step::Method, Step::Quote]
    );
}

#[test]
fn two_failback_licenses_become_a_purchase_order_without_cycle_or_renewal() {
    let mut wizard = Wizard::purchase(&catalog(), AccountKind::Individual, &METHODS);
    wizard.choose(1);
    assert!(wizard.advance());
    assert_eq!(wizard.step, Step::Quantity);
    wizard.erase();
    wizard.type_digit('2');
    assert!(wizard.advance());
    wizard.choose(1);
    assert!(wizard.advance());
    assert_eq!(wizard.step, Step::Quote);
    let Some(OrderRequest::Purchase(order)) = wizard.order_request() else {
        panic!("a purchase order");
    };
    assert_eq!(order.item.product, "failback");
    assert_eq!(order.item.quantity, 2);
    assert_eq!(order.item.cycle, None);
    assert_eq!(order.auto_renew, None);
    assert_eq!(order.payment.payment_method, PaymentMethod::WechatPay);
}

#[test]
fn an_empty_quantity_does_not_advance_and_back_walks_to_the_start() {
    let mut wizard = Wizard::purchase(&catalog(), AccountKind::Individual, &METHODS);
    assert!(wizard.advance());
    assert!(wizard.advance());
    assert_eq!(wizard.step, Step::Quantity);
    wizard.erase();
    assert!(!wizard.advance(), "no quantity");
    assert!(wizard.back());
    assert!(wizard.back());
    assert!(!wizard.back(), "the first step closes the wizard");
}

#[test]
fn every_quote_gets_a_fresh_idempotency_key() {
    let mut wizard = Wizard::purchase(&catalog(), AccountKind::Individual, &METHODS);
    wizard.choose(1);
    while wizard.step != Step::Quote {
        assert!(wizard.advance());
    }
    let first = wizard.idempotency_key.clone();
    assert!(wizard.back());
    assert!(wizard.advance());
    assert_ne!(wizard.idempotency_key, first);
}
