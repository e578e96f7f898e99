//! Regions: where an account's data lives, which fixes its currency and payment methods
//! (DESIGN.md §2).

use crate::money::Currency;
use crate::stored::stored_enum;

stored_enum! {
    "snake_case";
    /// The storage region an account picks when it registers.
    pub enum Region {
        /// Inside China: CNY, Alipay and WeChat Pay.
        Cn,
        /// Everywhere else: USD, PayPal and card.
        Intl,
    }
}

stored_enum! {
    "snake_case";
    /// How a customer pays on the provider's hosted page.
    pub enum PaymentMethod {
        Alipay,
        WechatPay,
        Paypal,
        Card,
    }
}

impl PaymentMethod {
    /// The method's name as customers know it (`WeChat Pay`), for screens; the API and the
    /// store keep the code (`wechat_pay`).
    pub fn label(self) -> &'static str {
        match self {
            PaymentMethod::Alipay => "Alipay",
            PaymentMethod::WechatPay => "WeChat Pay",
            PaymentMethod::Paypal => "PayPal",
            PaymentMethod::Card => "Card",
        }
    }
}

impl Region {
    /// Every price and charge for an account of this region is in this currency; prices are set
    /// per currency and never converted at run time.
    pub fn currency(self) -> Currency {
        match self {
            Region::Cn => Currency::Cny,
            Region::Intl => Currency::Usd,
        }
    }

    /// The payment methods the region offers, in the order a checkout lists them. `card` is the
    /// optional second method for `intl` (DESIGN.md §2).
    pub fn payment_methods(self) -> &'static [PaymentMethod] {
        match self {
            Region::Cn => &[PaymentMethod::Alipay, PaymentMethod::WechatPay],
            Region::Intl => &[PaymentMethod::Paypal, PaymentMethod::Card],
        }
    }

    /// Whether an order of this region may be paid with `method`.
    pub fn offers(self, method: PaymentMethod) -> bool {
        self.payment_methods().contains(&method)
    }
}

impl PaymentMethod {
    /// Every method, in a stable order.
    pub const ALL: [PaymentMethod; 4] = [
        PaymentMethod::Alipay,
        PaymentMethod::WechatPay,
        PaymentMethod::Paypal,
        PaymentMethod::Card,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn china_pays_in_cny_with_alipay_or_wechat_pay() {
        assert_eq!(Region::Cn.currency(), Currency::Cny);
        assert!(Region::Cn.offers(PaymentMethod::Alipay));
        assert!(Region::Cn.offers(PaymentMethod::WechatPay));
        assert!(!Region::Cn.offers(PaymentMethod::Paypal));
        assert!(!Region::Cn.offers(PaymentMethod::Card));
    }

    #[test]
    fn elsewhere_pays_in_usd_with_paypal_or_card() {
        assert_eq!(Region::Intl.currency(), Currency::Usd);
        assert!(Region::Intl.offers(PaymentMethod::Paypal));
        assert!(Region::Intl.offers(PaymentMethod::Card));
        assert!(!Region::Intl.offers(PaymentMethod::Alipay));
        assert!(!Region::Intl.offers(PaymentMethod::WechatPay));
    }

    #[test]
    fn only_the_two_regions_parse() {
        assert_eq!("cn".parse(), Ok(Region::Cn));
        assert_eq!("intl".parse(), Ok(Region::Intl));
        assert!("eu".parse::<Region>().is_err());
    }
}
