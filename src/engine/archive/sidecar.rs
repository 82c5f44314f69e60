//! The `.sha256` sidecar: exactly one `sha256sum` line naming the archive's bare file name.
//!
//! Parsing is strict and never opens the path the line names: version-1 sidecars name an
//! absolute or relative path, accepted when its last component is the archive's own name,
//! and only the archive the operator pointed at is ever hashed.

use std::path::Path;

use crate::engine::error::{Error, Result};
use crate::engine::text::sanitize;

/// A sidecar is one line of at most a path's length; anything bigger is not a sidecar.
const MAX_SIDECAR_BYTES: u64 = 8192;

/// A parsed sidecar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sidecar {
    pub sha256: [u8; 32],
    /// The file name as the line gives it (a path, in version-1 sidecars).
    pub named: String,
}

impl Sidecar {
    /// Whether the line names a path rather than the bare file name (the version-1 quirk).
    pub fn names_a_path(&self) -> bool {
        self.named.contains('/')
    }
}

/// The sidecar line for `file_name` with `sha256`: `sha256sum`'s text-mode format.
pub fn format_line(sha256: &[u8; 32], file_name: &str) -> String {
    format!("{}  {}\n", hex::encode(sha256), file_name)
}

/// Reads and parses the sidecar at `path`, which must name `archive_file_name`.
pub fn read(path: &Path, archive_file_name: &str) -> Result<Sidecar> {
    let bytes = super::read_regular(path, MAX_SIDECAR_BYTES)?
        .ok_or_else(|| Error::NotFound(path.to_path_buf()))?;
    parse(&bytes, archive_file_name)
        .map_err(|reason| Error::integrity(path, format!("sidecar {reason}")))
}

/// Parses sidecar bytes; the error is a reason phrase ("has two lines").
pub fn parse(bytes: &[u8], archive_file_name: &str) -> std::result::Result<Sidecar, String> {
    if bytes.is_empty() {
        return Err("is empty".into());
    }
    if bytes.starts_with(&[0xef, 0xbb, 0xbf]) {
        return Err("starts with a byte-order mark".into());
    }
    let text = std::str::from_utf8(bytes).map_err(|_| "is not text".to_string())?;
    let line = text.strip_suffix('\n').unwrap_or(text);
    if line.contains('\n') {
        return Err("has more than one line; it must hold exactly one sha256sum line".into());
    }
    if line.contains('\r') {
        return Err("has a CRLF line ending".into());
    }
    if line.starts_with('\\') {
        return Err("uses sha256sum's escaped-name form, which lifeboat never writes".into());
    }
    let (hash, rest) = line.split_at_checked(64).ok_or("line is too short")?;
    let mut sha256 = [0u8; 32];
    hex::decode_to_slice(hash, &mut sha256)
        .map_err(|_| "does not start with a 64-digit SHA-256".to_string())?;
    let named = rest
        .strip_prefix("  ")
        .or_else(|| rest.strip_prefix(" *"))
        .ok_or("is not in sha256sum format (hash, two spaces, file name)")?;
    if named.is_empty() {
        return Err("names no file".into());
    }
    if named.chars().any(char::is_control) {
        return Err("names a file with control characters".into());
    }
    let base = named.rsplit('/').next().unwrap_or(named);
    if base != archive_file_name {
        return Err(format!(
            "names {:?}, not {:?}",
            sanitize(named),
            sanitize(archive_file_name)
        ));
    }
    Ok(Sidecar {
        sha256,
        named: named.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAME: &str = "tars-backup-20260103_140000.tar.gz";
    const HASH: &str = "a665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae3";

    fn line(s: &str) -> Vec<u8> {
        s.as_bytes().to_vec()
    }

    #[test]
    fn accepts_sha256sum_output_and_v1_paths() {
        for ok in [
            format!("{HASH}  {NAME}\n"),
            format!("{HASH}  {NAME}"),
            format!("{HASH} *{NAME}\n"),
            format!("{HASH}  /opt/tars/backups/{NAME}\n"),
            format!("{HASH}  ./backups/{NAME}\n"),
            format!("{}  {NAME}\n", HASH.to_uppercase()),
        ] {
            let s = parse(&line(&ok), NAME).unwrap_or_else(|e| panic!("{ok:?}: {e}"));
            assert_eq!(hex::encode(s.sha256), HASH);
        }
    }

    #[test]
    fn refuses_malformed_sidecars() {
        let cases = [
            String::new(),
            format!("\u{feff}{HASH}  {NAME}\n"),
            format!("{HASH}  {NAME}\r\n"),
            format!("{HASH}  {NAME}\n{HASH}  {NAME}\n"),
            format!("{}  {NAME}\n", &HASH[..63]),
            format!("{HASH}0  {NAME}\n"),
            format!("{HASH}   {NAME}\n"),
            format!("{HASH}  ../../etc/passwd\n"),
            format!("{HASH}  other-20260103_140000.tar.gz\n"),
            format!("\\{HASH}  {NAME}\n"),
            format!("{HASH}  \n"),
            format!("{HASH}  {NAME}\x1b[2J\n"),
        ];
        for bad in cases {
            assert!(parse(&line(&bad), NAME).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn format_line_is_what_sha256sum_writes() {
        let mut h = [0u8; 32];
        hex::decode_to_slice(HASH, &mut h).unwrap();
        assert_eq!(format_line(&h, NAME), format!("{HASH}  {NAME}\n"));
    }
}
