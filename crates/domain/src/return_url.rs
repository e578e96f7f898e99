//! Where a payment page may send the browser back to: no open redirect.
//!
//! An order's `return_url` is followed by the hosted payment page (and the provider's) with the
//! customer's fresh purchase in mind, so a URL of anyone's choosing would turn Entitle's
//! checkout into a trampoline to a look-alike page. The rule: the URL is absolute, `https` (or
//! `http` to a loopback host, for local development), carries no credentials, and its origin —
//! scheme, host and port, as a browser compares them — is one the vendor allows
//! (`--allowed-return-origins`, default the public URL's origin). URLs are parsed as browsers
//! parse them (WHATWG), so `https://shop.example@evil.example/` is seen for what it is.

use crate::api::ProblemCode;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use url::{Host, Origin, Url};

/// The problem code of every refused `return_url`.
pub const NOT_ALLOWED: ProblemCode = ProblemCode::ReturnUrlNotAllowed;

/// An origin return URLs may point at (`https://shop.example`, `http://127.0.0.1:8080`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnOrigin(Origin);

/// A setting that is not an origin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an origin: write scheme://host[:port], without a path")]
pub struct NotAnOrigin(String);

impl ReturnOrigin {
    /// The origin of `url` (any path is dropped): how the public URL becomes the default.
    pub fn of_url(url: &str) -> Option<Self> {
        match Url::parse(url.trim()).ok()?.origin() {
            origin @ Origin::Tuple(..) => Some(ReturnOrigin(origin)),
            Origin::Opaque(_) => None,
        }
    }
}

impl FromStr for ReturnOrigin {
    type Err = NotAnOrigin;

    /// Parses an origin; a path, query, fragment or credentials are refused, since a setting
    /// that names one was likely meant to say more than an origin can.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let refused = || NotAnOrigin(text.to_owned());
        let url = Url::parse(text.trim()).map_err(|_| refused())?;
        let only_origin = matches!(url.path(), "" | "/")
            && url.query().is_none()
            && url.fragment().is_none()
            && url.username().is_empty()
            && url.password().is_none();
        match url.origin() {
            origin @ Origin::Tuple(..) if only_origin => Ok(ReturnOrigin(origin)),
            _ => Err(refused()),
        }
    }
}

impl fmt::Display for ReturnOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.ascii_serialization())
    }
}

/// Why a `return_url` is refused; every one answers [`NOT_ALLOWED`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReturnUrlRefusal {
    #[error("return_url must be an absolute URL")]
    NotAbsolute,
    #[error("return_url must be https (http only to a loopback host)")]
    NotSecure,
    #[error("return_url must not carry a user name or password")]
    Credentials,
    #[error("return_url's origin {origin} is not one this server returns to")]
    OtherOrigin { origin: String },
}

impl ReturnUrlRefusal {
    /// The stable problem code.
    pub fn code(&self) -> ProblemCode {
        NOT_ALLOWED
    }
}

fn is_loopback(host: Option<Host<&str>>) -> bool {
    match host {
        Some(Host::Domain(name)) => name == "localhost",
        Some(Host::Ipv4(ip)) => Ipv4Addr::is_loopback(&ip),
        Some(Host::Ipv6(ip)) => Ipv6Addr::is_loopback(&ip),
        None => false,
    }
}

/// Whether the browser may be sent to `return_url`, given the `allowed` origins.
pub fn check(return_url: &str, allowed: &[ReturnOrigin]) -> Result<(), ReturnUrlRefusal> {
    let url = Url::parse(return_url).map_err(|_| ReturnUrlRefusal::NotAbsolute)?;
    let secure = match url.scheme() {
        "https" => true,
        "http" => is_loopback(url.host()),
        _ => false,
    };
    if !secure {
        return Err(ReturnUrlRefusal::NotSecure);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ReturnUrlRefusal::Credentials);
    }
    let origin = url.origin();
    if allowed.iter().any(|a| a.0 == origin) {
        Ok(())
    } else {
        Err(ReturnUrlRefusal::OtherOrigin {
            origin: origin.ascii_serialization(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origins(list: &[&str]) -> Vec<ReturnOrigin> {
        list.iter().map(|o| o.parse().expect("an origin")).collect()
    }

    #[test]
    fn a_url_on_an_allowed_https_origin_passes_as_browsers_spell_it() {
        let allowed = origins(&["https://shop.example", "https://billing.example:8443/"]);
        for url in [
            "https://shop.example/thanks?order=1#top",
            "HTTPS://SHOP.EXAMPLE:443/thanks",
            "https://shop.example",
            "https://billing.example:8443/done",
        ] {
            assert_eq!(check(url, &allowed), Ok(()), "{url}");
        }
    }

    #[test]
    fn another_origin_is_refused_however_it_is_disguised() {
        let allowed = origins(&["https://shop.example"]);
        for url in [
            "https://evil.example/",
            "https://shop.example.evil.example/",
            "https://shop.example:444/",
            "https://evil.example/https://shop.example/",
            "https://evil.example\\@shop.example/",
        ] {
            assert!(
                matches!(
                    check(url, &allowed),
                    Err(ReturnUrlRefusal::OtherOrigin { .. })
                ),
                "{url}: {:?}",
                check(url, &allowed)
            );
        }
        assert_eq!(
            check("https://shop.example@evil.example/", &allowed),
            Err(ReturnUrlRefusal::Credentials)
        );
    }

    #[test]
    fn only_https_or_http_to_loopback_is_followed() {
        let allowed = origins(&[
            "http://shop.example",
            "http://127.0.0.1:8080",
            "http://localhost:3000",
            "http://[::1]:9000",
        ]);
        assert_eq!(
            check("http://shop.example/", &allowed),
            Err(ReturnUrlRefusal::NotSecure)
        );
        for url in [
            "http://127.0.0.1:8080/done",
            "http://localhost:3000/",
            "http://[::1]:9000/x",
        ] {
            assert_eq!(check(url, &allowed), Ok(()), "{url}");
        }
        for url in [
            "javascript:alert(1)",
            "data:text/html,hi",
            "ftp://shop.example/",
        ] {
            assert_eq!(
                check(url, &allowed),
                Err(ReturnUrlRefusal::NotSecure),
                "{url}"
            );
        }
    }

    #[test]
    fn a_relative_or_empty_url_is_refused() {
        let allowed = origins(&["https://shop.example"]);
        for url in ["", "/thanks", "//evil.example/", "shop.example/thanks"] {
            assert_eq!(
                check(url, &allowed),
                Err(ReturnUrlRefusal::NotAbsolute),
                "{url}"
            );
        }
        assert!(check("https://shop.example/", &[]).is_err());
    }

    #[test]
    fn a_setting_must_be_an_origin_and_the_public_url_gives_one() {
        for bad in [
            "shop.example",
            "https://shop.example/path",
            "https://u@shop.example",
            "mailto:x@y",
        ] {
            assert!(bad.parse::<ReturnOrigin>().is_err(), "{bad}");
        }
        let default = ReturnOrigin::of_url("http://127.0.0.1:8080/base/").expect("origin");
        assert_eq!(default.to_string(), "http://127.0.0.1:8080");
        assert_eq!(check("http://127.0.0.1:8080/x", &[default]), Ok(()));
        assert_eq!(
            "https://Shop.Example:443/"
                .parse::<ReturnOrigin>()
                .map(|o| o.to_string()),
            Ok("https://shop.example".to_owned())
        );
    }
}
