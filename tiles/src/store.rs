//! Where tiles go: the [`TileStore`] trait (a local folder now, object storage later) and
//! [`LocalTileStore`], which writes each object under a temporary name and renames it into
//! place, so a reader never sees a partial tile under its final key.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{TilerError, TilerResult};

/// A key → bytes store. Keys are relative, `/`-separated paths such as `tiles/f1/3/7.jpg`.
pub trait TileStore: Send + Sync + std::fmt::Debug {
    /// Stores `bytes` at `key`, atomically: the key holds either nothing (or the old value) or all
    /// of the new bytes, never part of them.
    ///
    /// # Errors
    /// [`TilerError::Store`] with the key.
    fn put(&self, key: &str, bytes: &[u8]) -> TilerResult<()>;
}

/// Tiles in a local folder.
///
/// ```
/// use tessera_tiles::{LocalTileStore, TileStore};
/// let dir = tempfile::tempdir().unwrap();
/// let store = LocalTileStore::new(dir.path());
/// store.put("tiles/f1/0/0.jpg", b"jpeg bytes").unwrap();
/// assert_eq!(std::fs::read(dir.path().join("tiles/f1/0/0.jpg")).unwrap(), b"jpeg bytes");
/// // Keys may not climb out of the folder.
/// assert!(store.put("../escape.jpg", b"x").is_err());
/// ```
#[derive(Debug)]
pub struct LocalTileStore {
    root: PathBuf,
    counter: AtomicU64,
}

impl LocalTileStore {
    /// A store rooted at `root` (created on first write).
    pub fn new(root: impl AsRef<Path>) -> Self {
        Self {
            root: root.as_ref().to_path_buf(),
            counter: AtomicU64::new(0),
        }
    }

    /// The folder tiles are written under.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn error(&self, key: &str, source: std::io::Error) -> TilerError {
        TilerError::Store {
            path: self.root.clone(),
            key: key.to_owned(),
            source,
        }
    }
}

/// True for keys made of plain path segments (no empty, `.`, `..` or absolute parts).
pub(crate) fn is_safe_key(key: &str) -> bool {
    !key.is_empty()
        && !key.starts_with('/')
        && !key.contains('\\')
        && key
            .split('/')
            .all(|s| !s.is_empty() && s != "." && s != "..")
}

impl TileStore for LocalTileStore {
    fn put(&self, key: &str, bytes: &[u8]) -> TilerResult<()> {
        if !is_safe_key(key) {
            return Err(self.error(
                key,
                std::io::Error::new(std::io::ErrorKind::InvalidInput, "unsafe key"),
            ));
        }
        let dest = self.root.join(key);
        let dir = dest.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(dir).map_err(|e| self.error(key, e))?;
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let name = dest.file_name().and_then(|s| s.to_str()).unwrap_or("tile");
        // A dot-prefixed temporary in the same directory: rename within one file system is atomic.
        let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
        let result = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, &dest));
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            return Err(self.error(key, e));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overwrite_leaves_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalTileStore::new(dir.path());
        store.put("a/b.jpg", b"one").unwrap();
        store.put("a/b.jpg", b"two").unwrap();
        let names: Vec<_> = std::fs::read_dir(dir.path().join("a"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("b.jpg")]);
        assert_eq!(std::fs::read(dir.path().join("a/b.jpg")).unwrap(), b"two");
    }

    #[test]
    fn unwritable_root_is_a_store_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-dir");
        std::fs::write(&file, b"").unwrap();
        let err = LocalTileStore::new(&file).put("x/y.jpg", b"z").unwrap_err();
        assert!(matches!(err, TilerError::Store { .. }), "{err}");
    }

    #[test]
    fn key_safety() {
        assert!(is_safe_key("tiles/f/0/1.jpg"));
        for bad in ["", "/abs", "a//b", "a/../b", "./a", "a\\b"] {
            assert!(!is_safe_key(bad), "{bad}");
        }
    }
}
