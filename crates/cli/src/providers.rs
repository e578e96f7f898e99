//! The payment providers' settings, as flags and environment variables (`entitle serve
//! --help`). A provider is configured when any of its settings is given; then all of them are
//! required, and a missing one stops the start with its name. Keys are read from files, so no
//! secret is ever on a command line.

use anyhow::{Context, bail};
use clap::Args;
use entitle_server::payments::alipay::{AlipaySettings, gateway_of};
use entitle_server::payments::paypal::{
    DEFAULT_CERT_URL_PREFIXES, PaypalSettings, PaypalVerify, api_base_of,
};
use entitle_server::payments::stripe::StripeSettings;
use entitle_server::payments::wechat_pay::WechatPaySettings;

// No `Debug`: it holds the APIv3 key and the PayPal and Stripe secrets.
#[derive(Args, Default)]
pub struct ProviderArgs {
    /// Alipay: the app id.
    #[arg(long, env = "ENTITLE_ALIPAY_APP_ID")]
    alipay_app_id: Option<String>,
    /// Alipay: the app's private key file (PKCS#1 or PKCS#8 PEM).
    #[arg(long, env = "ENTITLE_ALIPAY_PRIVATE_KEY_FILE")]
    alipay_private_key_file: Option<std::path::PathBuf>,
    /// Alipay: Alipay's public key file (PEM, or bare base64 SPKI).
    #[arg(long, env = "ENTITLE_ALIPAY_PUBLIC_KEY_FILE")]
    alipay_public_key_file: Option<std::path::PathBuf>,
    /// Alipay: the gateway: `live` (default), `sandbox` (Alipay's sandbox), or a URL (a fake).
    #[arg(long, env = "ENTITLE_ALIPAY_GATEWAY", default_value = "live")]
    alipay_gateway: String,
    /// WeChat Pay: the app id.
    #[arg(long, env = "ENTITLE_WECHAT_APPID")]
    wechat_appid: Option<String>,
    /// WeChat Pay: the merchant id.
    #[arg(long, env = "ENTITLE_WECHAT_MCHID")]
    wechat_mchid: Option<String>,
    /// WeChat Pay: the merchant API private key file (PEM).
    #[arg(long, env = "ENTITLE_WECHAT_PRIVATE_KEY_FILE")]
    wechat_private_key_file: Option<std::path::PathBuf>,
    /// WeChat Pay: the merchant API certificate's serial number.
    #[arg(long, env = "ENTITLE_WECHAT_SERIAL_NO")]
    wechat_serial_no: Option<String>,
    /// WeChat Pay: the APIv3 key (32 characters).
    #[arg(long, env = "ENTITLE_WECHAT_APIV3_KEY", hide_env_values = true)]
    wechat_apiv3_key: Option<String>,
    /// WeChat Pay: WeChat Pay's public key file (public-key mode).
    #[arg(long, env = "ENTITLE_WECHAT_PUBLIC_KEY_FILE")]
    wechat_public_key_file: Option<std::path::PathBuf>,
    /// WeChat Pay: the public key's id (`PUB_KEY_ID_…`).
    #[arg(long, env = "ENTITLE_WECHAT_PUBLIC_KEY_ID")]
    wechat_public_key_id: Option<String>,
    /// WeChat Pay: the API's base URL.
    #[arg(
        long,
        env = "ENTITLE_WECHAT_API_BASE",
        default_value = "https://api.mch.weixin.qq.com"
    )]
    wechat_api_base: String,
    /// PayPal: the REST app's client id.
    #[arg(long, env = "ENTITLE_PAYPAL_CLIENT_ID")]
    paypal_client_id: Option<String>,
    /// PayPal: the REST app's secret.
    #[arg(long, env = "ENTITLE_PAYPAL_CLIENT_SECRET", hide_env_values = true)]
    paypal_client_secret: Option<String>,
    /// PayPal: the id of the webhook its events are signed for.
    #[arg(long, env = "ENTITLE_PAYPAL_WEBHOOK_ID")]
    paypal_webhook_id: Option<String>,
    /// PayPal: the API: `live` (default), `sandbox` (PayPal's sandbox), or a URL (a fake).
    #[arg(long, env = "ENTITLE_PAYPAL_API_BASE", default_value = "live")]
    paypal_api_base: String,
    /// PayPal: where webhook signing certificates may be fetched from (comma-separated URL
    /// prefixes; default PayPal's own hosts).
    #[arg(long, env = "ENTITLE_PAYPAL_CERT_URL_PREFIXES", value_delimiter = ',')]
    paypal_cert_url_prefixes: Vec<String>,
    /// PayPal: how webhooks are verified: `self` (the signature, against PayPal's
    /// certificate) or `postback` (PayPal is asked).
    #[arg(long, env = "ENTITLE_PAYPAL_VERIFY", default_value = "self", value_parser = ["self", "postback"])]
    paypal_verify: String,
    /// PayPal: charge renewals to a vaulted PayPal payment (needs PayPal's approval of the
    /// merchant account; otherwise PayPal subscriptions pay to renew).
    #[arg(long, env = "ENTITLE_PAYPAL_VAULT", default_value_t = false)]
    paypal_vault: bool,
    /// Stripe: the secret API key (`sk_live_…`).
    #[arg(long, env = "ENTITLE_STRIPE_SECRET_KEY", hide_env_values = true)]
    stripe_secret_key: Option<String>,
    /// Stripe: the webhook endpoint's signing secret (`whsec_…`).
    #[arg(long, env = "ENTITLE_STRIPE_WEBHOOK_SECRET", hide_env_values = true)]
    stripe_webhook_secret: Option<String>,
    /// Stripe: the API's base URL.
    #[arg(
        long,
        env = "ENTITLE_STRIPE_API_BASE",
        default_value = entitle_server::payments::stripe::LIVE_API_BASE
    )]
    stripe_api_base: String,
}

/// One provider's settings being read: once any is given all are required, and the first
/// missing one stops the start with its variable's name.
struct Required {
    provider: &'static str,
}

impl Required {
    /// The value, as the setting's type (a secret becomes a `SecretString`).
    fn value<T: Clone + Into<U>, U>(&self, value: &Option<T>, name: &str) -> anyhow::Result<U> {
        match value {
            Some(value) => Ok(value.clone().into()),
            None => bail!("{} is partly configured: {name} is missing", self.provider),
        }
    }

    /// A file's text: keys are read from files, so no secret is on a command line.
    fn file<T: From<String>>(
        &self,
        path: &Option<std::path::PathBuf>,
        name: &str,
    ) -> anyhow::Result<T> {
        let path: std::path::PathBuf = self.value(path, name)?;
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        Ok(text.into())
    }
}

impl ProviderArgs {
    /// Alipay's settings, when any is given.
    pub fn alipay(&self) -> anyhow::Result<Option<AlipaySettings>> {
        if self.alipay_app_id.is_none()
            && self.alipay_private_key_file.is_none()
            && self.alipay_public_key_file.is_none()
        {
            return Ok(None);
        }
        let need = Required { provider: "Alipay" };
        Ok(Some(AlipaySettings {
            app_id: need.value(&self.alipay_app_id, "ENTITLE_ALIPAY_APP_ID")?,
            private_key: need.file(
                &self.alipay_private_key_file,
                "ENTITLE_ALIPAY_PRIVATE_KEY_FILE",
            )?,
            alipay_public_key: need.file(
                &self.alipay_public_key_file,
                "ENTITLE_ALIPAY_PUBLIC_KEY_FILE",
            )?,
            gateway: gateway_of(&self.alipay_gateway),
        }))
    }

    /// WeChat Pay's settings, when any is given.
    pub fn wechat_pay(&self) -> anyhow::Result<Option<WechatPaySettings>> {
        if self.wechat_appid.is_none()
            && self.wechat_mchid.is_none()
            && self.wechat_private_key_file.is_none()
            && self.wechat_serial_no.is_none()
            && self.wechat_apiv3_key.is_none()
            && self.wechat_public_key_file.is_none()
            && self.wechat_public_key_id.is_none()
        {
            return Ok(None);
        }
        let need = Required {
            provider: "WeChat Pay",
        };
        Ok(Some(WechatPaySettings {
            appid: need.value(&self.wechat_appid, "ENTITLE_WECHAT_APPID")?,
            mchid: need.value(&self.wechat_mchid, "ENTITLE_WECHAT_MCHID")?,
            private_key: need.file(
                &self.wechat_private_key_file,
                "ENTITLE_WECHAT_PRIVATE_KEY_FILE",
            )?,
            serial_no: need.value(&self.wechat_serial_no, "ENTITLE_WECHAT_SERIAL_NO")?,
            apiv3_key: need.value(&self.wechat_apiv3_key, "ENTITLE_WECHAT_APIV3_KEY")?,
            public_key: need.file(
                &self.wechat_public_key_file,
                "ENTITLE_WECHAT_PUBLIC_KEY_FILE",
            )?,
            public_key_id: need
                .value(&self.wechat_public_key_id, "ENTITLE_WECHAT_PUBLIC_KEY_ID")?,
            api_base: self.wechat_api_base.clone(),
        }))
    }

    /// PayPal's settings, when any of its credentials is given.
    pub fn paypal(&self) -> anyhow::Result<Option<PaypalSettings>> {
        if self.paypal_client_id.is_none()
            && self.paypal_client_secret.is_none()
            && self.paypal_webhook_id.is_none()
        {
            return Ok(None);
        }
        let need = Required { provider: "PayPal" };
        let cert_url_prefixes = if self.paypal_cert_url_prefixes.is_empty() {
            DEFAULT_CERT_URL_PREFIXES
                .iter()
                .map(|prefix| (*prefix).to_owned())
                .collect()
        } else {
            self.paypal_cert_url_prefixes.clone()
        };
        Ok(Some(PaypalSettings {
            client_id: need.value(&self.paypal_client_id, "ENTITLE_PAYPAL_CLIENT_ID")?,
            client_secret: need
                .value(&self.paypal_client_secret, "ENTITLE_PAYPAL_CLIENT_SECRET")?,
            webhook_id: need.value(&self.paypal_webhook_id, "ENTITLE_PAYPAL_WEBHOOK_ID")?,
            api_base: api_base_of(&self.paypal_api_base),
            cert_url_prefixes,
            verify: match self.paypal_verify.as_str() {
                "postback" => PaypalVerify::Postback,
                _ => PaypalVerify::SelfCheck,
            },
            vault: self.paypal_vault,
        }))
    }

    /// Stripe's settings, when any of its secrets is given.
    pub fn stripe(&self) -> anyhow::Result<Option<StripeSettings>> {
        if self.stripe_secret_key.is_none() && self.stripe_webhook_secret.is_none() {
            return Ok(None);
        }
        let need = Required { provider: "Stripe" };
        Ok(Some(StripeSettings {
            secret_key: need.value(&self.stripe_secret_key, "ENTITLE_STRIPE_SECRET_KEY")?,
            webhook_secret: need
                .value(&self.stripe_webhook_secret, "ENTITLE_STRIPE_WEBHOOK_SECRET")?,
            api_base: self.stripe_api_base.trim_end_matches('/').to_owned(),
        }))
    }
}
