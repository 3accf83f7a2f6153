//! Reading a file that must lie inside a folder: the tile store and the frontend are served from
//! folders an operator may not watch closely, and a symbolic link planted in one (to the token
//! secret, the database, `/etc/passwd`) must not make the server hand out what it points to.
//!
//! Callers check a key's shape first (no `..`, no absolute path); this checks where the file
//! really is, after every link is resolved.

use std::io;
use std::path::Path;

/// The bytes of `root/rel`, or `None` when there is no such file or it resolves outside `root`
/// (a link out of the folder is answered like a missing file, and never followed).
pub fn read_inside(root: &Path, rel: &Path) -> io::Result<Option<Vec<u8>>> {
    let Some(path) = resolve_inside(root, rel)? else {
        return Ok(None);
    };
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether `root/rel` is a regular file inside `root`, links resolved.
pub fn is_file_inside(root: &Path, rel: &Path) -> bool {
    resolve_inside(root, rel)
        .ok()
        .flatten()
        .is_some_and(|p| p.is_file())
}

fn resolve_inside(root: &Path, rel: &Path) -> io::Result<Option<std::path::PathBuf>> {
    let path = match std::fs::canonicalize(root.join(rel)) {
        Ok(path) => path,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let root = match std::fs::canonicalize(root) {
        Ok(root) => root,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(path.starts_with(&root).then_some(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_out_of_the_folder_are_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("tiles");
        std::fs::create_dir_all(root.join("f1")).unwrap();
        std::fs::write(root.join("f1/0.jpg"), b"tile").unwrap();
        std::fs::write(dir.path().join("jwt-secret"), b"secret").unwrap();
        std::os::unix::fs::symlink(dir.path().join("jwt-secret"), root.join("f1/1.jpg")).unwrap();
        std::os::unix::fs::symlink(root.join("f1/0.jpg"), root.join("f1/2.jpg")).unwrap();
        std::os::unix::fs::symlink(dir.path(), root.join("up")).unwrap();
        assert_eq!(
            read_inside(&root, Path::new("f1/0.jpg")).unwrap(),
            Some(b"tile".to_vec())
        );
        assert_eq!(read_inside(&root, Path::new("f1/1.jpg")).unwrap(), None);
        assert_eq!(
            read_inside(&root, Path::new("up/jwt-secret")).unwrap(),
            None
        );
        assert_eq!(read_inside(&root, Path::new("f1/9.jpg")).unwrap(), None);
        // a link that stays inside is fine
        assert_eq!(
            read_inside(&root, Path::new("f1/2.jpg")).unwrap(),
            Some(b"tile".to_vec())
        );
        assert!(is_file_inside(&root, Path::new("f1/0.jpg")));
        assert!(!is_file_inside(&root, Path::new("f1/1.jpg")));
    }
}
