//! AEAD_AES_256_GCM, the encryption of a callback's `resource` (wechatpayv3 `aes_decrypt`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};

use super::{EncryptedResource, WechatError};

/// The `algorithm` of every v3 encrypted resource.
pub const ALGORITHM: &str = "AEAD_AES_256_GCM";

/// The AES-256 key: the 32 ASCII bytes of the APIv3 key as set in the merchant portal (not
/// hex- or base64-decoded).
fn cipher(apiv3_key: &str) -> Result<LessSafeKey, WechatError> {
    let key = UnboundKey::new(&AES_256_GCM, apiv3_key.as_bytes())
        .map_err(|_| WechatError::BadApiV3Key)?;
    Ok(LessSafeKey::new(key))
}

/// The GCM nonce: the UTF-8 bytes of the resource's `nonce` string, which must be 12 long.
fn nonce(text: &str) -> Result<Nonce, WechatError> {
    Nonce::try_assume_unique_for_key(text.as_bytes()).map_err(|_| WechatError::BadNonce)
}

/// Decrypts a resource: AEAD_AES_256_GCM with key = the 32 ASCII bytes of the APIv3 key,
/// nonce = the UTF-8 bytes of `nonce` (12), AAD = `associated_data` (empty if absent), and
/// `ciphertext` = base64(ciphertext ‖ 16-byte tag). Fails on any tampering.
pub fn decrypt_resource(
    apiv3_key: &str,
    resource: &EncryptedResource,
) -> Result<Vec<u8>, WechatError> {
    if resource.algorithm != ALGORITHM {
        return Err(WechatError::UnsupportedAlgorithm(
            resource.algorithm.clone(),
        ));
    }
    let cipher = cipher(apiv3_key)?;
    let nonce = nonce(&resource.nonce)?;
    let mut data = STANDARD
        .decode(resource.ciphertext.trim())
        .map_err(|_| WechatError::MalformedCiphertext)?;
    let aad = Aad::from(
        resource
            .associated_data
            .as_deref()
            .unwrap_or_default()
            .as_bytes(),
    );
    let plaintext = cipher
        .open_in_place(nonce, aad, &mut data)
        .map_err(|_| WechatError::Decrypt)?;
    Ok(plaintext.to_vec())
}

/// Encrypts `plaintext` as WeChat Pay would (for fakes and tests). `original_type` is left
/// None; a fake of the payment callback sets it to `"transaction"`.
pub fn encrypt_resource(
    apiv3_key: &str,
    nonce_text: &str,
    associated_data: &str,
    plaintext: &[u8],
) -> Result<EncryptedResource, WechatError> {
    let cipher = cipher(apiv3_key)?;
    let nonce = nonce(nonce_text)?;
    let mut data = plaintext.to_vec();
    cipher
        .seal_in_place_append_tag(nonce, Aad::from(associated_data.as_bytes()), &mut data)
        .map_err(|_| WechatError::Decrypt)?;
    Ok(EncryptedResource {
        algorithm: ALGORITHM.to_owned(),
        ciphertext: STANDARD.encode(data),
        associated_data: Some(associated_data.to_owned()),
        nonce: nonce_text.to_owned(),
        original_type: None,
    })
}
