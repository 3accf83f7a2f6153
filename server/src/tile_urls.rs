//! Signed, expiring tile URLs.
//!
//! Imagery is access-controlled, but an `<img>` cannot send an `Authorization` header. So the
//! API hands out tile URLs that carry an expiry and an HMAC of the tile key and expiry under the
//! server secret: only a signed-in volunteer who was given the task can fetch its tiles, only
//! until the lease ends, and a CDN in front can cache by URL without knowing about accounts.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Signs and checks tile URLs with a key derived from the server secret.
#[derive(Clone)]
pub struct TileSigner {
    key: Vec<u8>,
}

impl std::fmt::Debug for TileSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TileSigner")
    }
}

impl TileSigner {
    /// Derives a signing key distinct from the token key, so neither can forge the other.
    pub fn new(secret: &[u8]) -> Self {
        let mut mac = HmacSha256::new_from_slice(secret).unwrap_or_else(|_| unreachable_key());
        mac.update(b"tessera tile urls v1");
        Self {
            key: mac.finalize().into_bytes().to_vec(),
        }
    }

    fn mac(&self, key: &str, exp: i64) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).unwrap_or_else(|_| unreachable_key());
        mac.update(key.as_bytes());
        mac.update(b"\n");
        mac.update(exp.to_string().as_bytes());
        mac
    }

    /// `/{key}?exp=…&sig=…` for a store key such as `tiles/{frame}/{col}/{row}.jpg`, valid
    /// until `exp` (seconds since the epoch).
    pub fn url(&self, key: &str, exp: i64) -> String {
        let sig = hex::encode(self.mac(key, exp).finalize().into_bytes());
        format!("/{key}?exp={exp}&sig={sig}")
    }

    /// Whether `sig` signs `key` until `exp`, and `exp` is not past `now`.
    pub fn verify(&self, key: &str, exp: i64, sig: &str, now: i64) -> bool {
        let Ok(sig) = hex::decode(sig) else {
            return false;
        };
        exp >= now && self.mac(key, exp).verify_slice(&sig).is_ok()
    }
}

/// HMAC accepts keys of any length, so this is never reached.
fn unreachable_key() -> HmacSha256 {
    unreachable!("HMAC-SHA256 takes keys of any length")
}

#[cfg(test)]
mod tests {
    use super::TileSigner;

    #[test]
    fn signed_url_verifies_until_it_expires() {
        let signer = TileSigner::new(b"secret");
        let url = signer.url("tiles/f1/0/0.jpg", 2000);
        let sig = url.rsplit("sig=").next().unwrap();
        assert!(signer.verify("tiles/f1/0/0.jpg", 2000, sig, 1999));
        assert!(
            !signer.verify("tiles/f1/0/0.jpg", 2000, sig, 2001),
            "expired"
        );
        assert!(
            !signer.verify("tiles/f1/0/1.jpg", 2000, sig, 1999),
            "other tile"
        );
        assert!(
            !signer.verify("tiles/f1/0/0.jpg", 3000, sig, 1999),
            "extended expiry"
        );
        assert!(
            !TileSigner::new(b"other").verify("tiles/f1/0/0.jpg", 2000, sig, 1999),
            "other secret"
        );
    }
}
