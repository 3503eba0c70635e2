//! Local catalog sources read from disk: one catalog file, or a folder of per-server
//! `server.yaml` / `server.json` files read into one bundle. Each read carries a tag of its
//! content, the local counterpart of an HTTP ETag, so a refresh of an unchanged source is
//! "not modified" and nothing is parsed, stored or redrawn again.

use std::path::Path;

use berth_catalog::MAX_CATALOG_BYTES;
use berth_catalog::import::folder::{FolderBundle, FolderFile};
use berth_net::Fetched;
use sha2::{Digest, Sha256};

use crate::{ApiError, ErrorCode};

/// What was read, or `NotModified` when it is what the source's stored copy was read from (its
/// content tag, `sha256:<hex>`, is `stored`). Hashing a large copy is CPU work: callers run it on
/// the blocking pool, in the task that reads the copy.
fn fetched(bytes: Vec<u8>, stored: Option<&str>) -> Fetched {
    let tag = format!("sha256:{}", hex::encode(Sha256::digest(&bytes)));
    if stored == Some(tag.as_str()) {
        return Fetched::NotModified;
    }
    Fetched::Body { bytes, etag: Some(tag), last_modified: None }
}

/// Reads one catalog file; `stored`: the content tag of the copy Berth has.
pub(crate) async fn read_file(path: &Path, stored: Option<&str>) -> Result<Fetched, ApiError> {
    let path = path.to_owned();
    let stored = stored.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        let unreadable = |e: std::io::Error| {
            ApiError::msg(
                ErrorCode::NotFound,
                crate::msg!("msg.file.unreadable", path = path.display(), reason = e),
            )
        };
        let len = std::fs::metadata(&path).map_err(unreadable)?.len();
        if len > MAX_CATALOG_BYTES as u64 {
            return Err(ApiError::msg(
                ErrorCode::Validation,
                crate::msg!("msg.file.too_large", path = path.display(), bytes = len),
            ));
        }
        let bytes = std::fs::read(&path).map_err(unreadable)?;
        Ok(fetched(bytes, stored.as_deref()))
    })
    .await
    .map_err(|e| ApiError::internal("reading the catalog file crashed").with_detail(e.to_string()))?
}

/// How deep below a catalog folder its files are looked for (Docker's registry: `servers/<name>/`).
const FOLDER_DEPTH: usize = 6;
/// How many files a catalog folder may hold that Berth reads.
const FOLDER_FILES: usize = 20_000;

/// Reads the catalog files below `root` into one bundle. Hidden folders and symbolic links are
/// not followed, so a folder cannot lead the reader anywhere else; size and count are capped.
/// `stored`: the content tag of the copy Berth has.
pub(crate) async fn read_folder(root: &Path, stored: Option<&str>) -> Result<Fetched, ApiError> {
    let root = root.to_owned();
    let stored = stored.map(str::to_owned);
    let read = tokio::task::spawn_blocking(move || {
        let mut files = Vec::new();
        let mut total = 0usize;
        let mut pending = vec![(root.clone(), 0usize)];
        while let Some((dir, depth)) = pending.pop() {
            let entries = std::fs::read_dir(&dir).map_err(|e| {
                ApiError::msg(
                    ErrorCode::NotFound,
                    crate::msg!("msg.file.unreadable", path = dir.display(), reason = e),
                )
            })?;
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let Ok(kind) = entry.file_type() else { continue };
                if name.starts_with('.') || kind.is_symlink() {
                    continue;
                }
                if kind.is_dir() && depth < FOLDER_DEPTH {
                    pending.push((entry.path(), depth + 1));
                } else if kind.is_file() && FolderBundle::wants(&name) {
                    let bytes = std::fs::read(entry.path()).map_err(|e| {
                        ApiError::msg(
                            ErrorCode::NotFound,
                            crate::msg!("msg.file.unreadable", path = entry.path().display(), reason = e),
                        )
                    })?;
                    total += bytes.len();
                    if total > MAX_CATALOG_BYTES || files.len() >= FOLDER_FILES {
                        return Err(ApiError::msg(
                            ErrorCode::Validation,
                            crate::msg!("msg.folder.too_big", path = root.display(), files = FOLDER_FILES),
                        ));
                    }
                    let path = entry
                        .path()
                        .strip_prefix(&root)
                        .unwrap_or(&entry.path())
                        .to_string_lossy()
                        .replace('\\', "/");
                    files.push(FolderFile { path, text: String::from_utf8_lossy(&bytes).into_owned() });
                }
            }
        }
        // In path order, so the same folder always reads as the same bytes and content tag.
        files.sort_by(|a, b| a.path.cmp(&b.path));
        if files.is_empty() {
            return Err(ApiError::msg(
                ErrorCode::Validation,
                crate::msg!("msg.folder.empty", path = root.display()),
            ));
        }
        Ok(fetched(FolderBundle::new(files).to_bytes(), stored.as_deref()))
    })
    .await
    .map_err(|e| ApiError::internal("reading the catalog folder crashed").with_detail(e.to_string()))??;
    Ok(read)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// A folder is someone else's tree: links and hidden folders are not followed, so it cannot
    /// lead the reader to files elsewhere, and too deep a tree is not walked to its bottom.
    #[tokio::test]
    async fn a_hostile_folder_leads_nowhere_else() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("server.yaml"), "name: outside\nimage: x/y\n").unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("ok")).unwrap();
        std::fs::write(root.join("ok/server.yaml"), "name: ok\nimage: x/y\n").unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("linked-dir")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("server.yaml"), root.join("server.yaml")).unwrap();
        std::fs::create_dir_all(root.join(".hidden")).unwrap();
        std::fs::write(root.join(".hidden/server.yaml"), "name: hidden\nimage: x/y\n").unwrap();
        let deep: std::path::PathBuf = (0..10).map(|i| format!("d{i}")).collect();
        std::fs::create_dir_all(root.join(&deep)).unwrap();
        std::fs::write(root.join(&deep).join("server.yaml"), "name: deep\nimage: x/y\n").unwrap();

        let Fetched::Body { bytes, .. } = read_folder(root, None).await.unwrap() else { panic!("no body") };
        let bundle: FolderBundle = serde_json::from_slice(&bytes).unwrap();
        let paths: Vec<&str> = bundle.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["ok/server.yaml"]);

        // A folder with nothing readable in it is refused with what to add instead.
        let empty = tempfile::tempdir().unwrap();
        assert!(read_folder(empty.path(), None).await.unwrap_err().message.contains("no server.yaml"));
    }
}
