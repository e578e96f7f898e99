//! Callbacks that are not what the provider signed — a bad signature, another key, an amount
//! or an order changed after signing, a signed amount other than the order's, a stale WeChat
//! Pay timestamp — change nothing and get a non-success answer, so the real one still lands.

use entitle_domain::orders::OrderStatus;
use entitle_domain::{AccountKind, PaymentMethod, Region};

use super::{dr, events_of, licenses, open_alipay, status_of, trade_no};
use crate::accounts::account_with_key;
use crate::fakes::{Fakes, Forgery};
use crate::on_both_databases_with;
use crate::purchase::order;

on_both_databases_with! {
    setup = Fakes::live();

    async fn forged_and_tampered_alipay_notifies_change_nothing(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "Targeted", AccountKind::Individual, Region::Cn).await;
        let paid_one = order(&client, account.id, &dr(2, PaymentMethod::Alipay, false)).await;
        let other = order(&client, account.id, &dr(1, PaymentMethod::Alipay, false)).await;
        let no = open_alipay(&app, &fakes, &paid_one).await;
        fakes.alipay().pay(&no);

        for forgery in [
            Forgery::BadSignature,
            Forgery::WrongKey,
            Forgery::TamperedAmount,
            Forgery::TamperedOrder(trade_no(&other)),
            Forgery::MisstatedAmount,
        ] {
            let (status, body) = fakes.alipay().notify(&no, forgery.clone()).await;
            assert_ne!(body, "success", "{forgery:?} must not be acknowledged");
            assert!(status >= 400, "{forgery:?}: a failure status, so Alipay sends again: {status}");
            assert_eq!(status_of(&client, paid_one.id).await, OrderStatus::PendingPayment, "{forgery:?}");
            assert_eq!(status_of(&client, other.id).await, OrderStatus::PendingPayment, "{forgery:?}");
        }
        assert!(licenses(&client, account.id).await.is_empty());
        assert!(events_of(&app, "order.paid").await.is_empty());

        // The real notify still lands afterwards.
        assert_eq!(fakes.alipay().notify(&no, Forgery::Honest).await, (200, "success".to_owned()));
        assert_eq!(status_of(&client, paid_one.id).await, OrderStatus::Paid);
        assert_eq!(status_of(&client, other.id).await, OrderStatus::PendingPayment);
    }

    async fn forged_tampered_and_stale_wechat_callbacks_change_nothing(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "Targeted", AccountKind::Individual, Region::Cn).await;
        let paid_one = order(&client, account.id, &dr(2, PaymentMethod::WechatPay, false)).await;
        let other = order(&client, account.id, &dr(1, PaymentMethod::WechatPay, false)).await;
        let no = trade_no(&paid_one);
        fakes.wechat().pay(&no);

        for forgery in [
            Forgery::BadSignature,
            Forgery::WrongKey,
            Forgery::TamperedAmount,
            Forgery::TamperedOrder(trade_no(&other)),
            Forgery::MisstatedAmount,
            Forgery::Stale,
        ] {
            let (status, body) = fakes.wechat().notify(&no, forgery.clone()).await;
            assert!((400..600).contains(&status), "{forgery:?}: a failure status: {status} {body}");
            let answer: serde_json::Value = serde_json::from_str(&body).expect("a JSON failure");
            assert_eq!(answer["code"], "FAIL", "{forgery:?}");
            assert_eq!(status_of(&client, paid_one.id).await, OrderStatus::PendingPayment, "{forgery:?}");
            assert_eq!(status_of(&client, other.id).await, OrderStatus::PendingPayment, "{forgery:?}");
        }
        assert!(licenses(&client, account.id).await.is_empty());
        assert!(events_of(&app, "order.paid").await.is_empty());

        assert_eq!(fakes.wechat().notify(&no, Forgery::Honest).await, (204, String::new()));
        assert_eq!(status_of(&client, paid_one.id).await, OrderStatus::Paid);
        assert_eq!(status_of(&client, other.id).await, OrderStatus::PendingPayment);
    }
}
