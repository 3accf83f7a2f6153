//! Password hashing with argon2id and its default (OWASP-recommended) parameters.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};

/// Hashes a password into a PHC string (`$argon2id$v=19$…`) with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
}

/// Whether `password` matches the stored PHC string. A malformed hash never matches.
#[must_use]
pub fn verify_password(password: &str, phc: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), phc)
        .is_ok()
}

/// Argon2id needs 19 MiB per hash by design. At most this many run at once, so a burst of
/// sign-ups or sign-ins (or an attack) queues instead of exhausting memory.
static HASHING_SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// [`hash_password`] on the blocking pool, at most two at a time.
pub async fn hash_password_bounded(
    password: String,
) -> Result<String, argon2::password_hash::Error> {
    let _slot = HASHING_SLOTS.acquire().await;
    actix_web::web::block(move || hash_password(&password))
        .await
        .unwrap_or(Err(argon2::password_hash::Error::Crypto))
}

/// [`verify_password`] on the blocking pool, at most two at a time.
pub async fn verify_password_bounded(password: String, phc: String) -> bool {
    let _slot = HASHING_SLOTS.acquire().await;
    actix_web::web::block(move || verify_password(&password, &phc))
        .await
        .unwrap_or(false)
}

/// A valid hash of a password nobody knows, verified against when the handle does not exist so
/// that "unknown handle" and "wrong password" take the same time.
pub(crate) fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_password(&uuid::Uuid::new_v4().to_string()).unwrap_or_else(|_| String::new())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_verifies_only_the_same_password() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("correct horsf", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn same_password_gets_different_salts() {
        assert_ne!(
            hash_password("pw123456").unwrap(),
            hash_password("pw123456").unwrap()
        );
    }
}
