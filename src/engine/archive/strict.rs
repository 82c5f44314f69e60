//! Reading tar entries strictly: the tar crate in raw mode, with GNU long names and PAX records
//! applied here, so that lifeboat sees exactly what GNU tar, Python's tarfile and Go's
//! archive/tar (Docker's daemon) see, or refuses the archive.
//!
//! Refused, because tar readers disagree on them: repeated or malformed PAX records, PAX
//! global headers, `GNU.sparse.*` keys, a PAX path beside a GNU long name, a PAX size that
//! differs from the header's, data on anything but a regular file, a trailing `/` on a
//! non-folder. Extension bodies are bounded (64 KiB) before they are read into memory.

use std::io::Read;

use super::validate::{self, EntryKind};

/// Largest GNU long-name or PAX body accepted.
const MAX_EXTENSION: u64 = 64 * 1024;

/// One entry as every tar reader agrees it is.
#[derive(Debug, Clone)]
pub struct Meta {
    /// The path as stored (long name or PAX path applied), not yet normalised.
    pub path: Vec<u8>,
    pub kind: EntryKind,
    pub size: u64,
    pub uid: u64,
    pub gid: u64,
    pub mode: u32,
    /// Where the entry's padded data ends in the tar stream.
    pub end: u64,
}

#[derive(Default)]
struct Pending {
    long_name: Option<Vec<u8>>,
    long_link: Option<Vec<u8>>,
    pax: Option<Vec<(String, Vec<u8>)>>,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.long_name.is_none() && self.long_link.is_none() && self.pax.is_none()
    }

    fn pax(&self, key: &str) -> Option<&[u8]> {
        self.pax
            .as_ref()?
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_slice())
    }
}

/// Why a walk stopped.
pub enum Stop<E> {
    /// The archive breaks a rule (a phrase: "entry X has ...").
    Bad(String),
    /// Reading the stream failed.
    Read(std::io::Error),
    /// The callback's own error.
    Inner(E),
}

/// Calls `f` for every entry of `ar` in order; returns where the last entry's data ended.
/// `links_allowed` admits symlinks and hard links (component tars), otherwise they are refused.
pub fn walk<R: Read, E>(
    ar: &mut tar::Archive<R>,
    links_allowed: bool,
    mut f: impl FnMut(&Meta, &mut tar::Entry<'_, R>) -> Result<(), E>,
) -> Result<u64, Stop<E>> {
    let mut pending = Pending::default();
    let mut last_end = 0u64;
    let entries = ar.entries().map_err(Stop::Read)?.raw(true);
    for entry in entries {
        let mut entry = entry.map_err(Stop::Read)?;
        let header_name = entry.header().path_bytes().into_owned();
        let shown = crate::engine::text::sanitize_bytes(&header_name);
        let bad = |what: String| Stop::Bad(format!("entry {shown}: {what}"));
        let size = entry
            .header()
            .entry_size()
            .map_err(|e| bad(format!("has an unreadable size field ({e})")))?;
        last_end = validate::padded_end(entry.raw_file_position(), size);
        let t = entry.header().entry_type();
        if t.is_gnu_longname() || t.is_gnu_longlink() || t.is_pax_local_extensions() {
            if size > MAX_EXTENSION {
                return Err(bad(format!(
                    "has an extension header of {size} bytes (at most {MAX_EXTENSION})"
                )));
            }
            let mut body = Vec::with_capacity(size as usize);
            entry.read_to_end(&mut body).map_err(Stop::Read)?;
            let slot = if t.is_gnu_longname() {
                &mut pending.long_name
            } else if t.is_gnu_longlink() {
                &mut pending.long_link
            } else {
                let records = parse_pax(&body).map_err(|w| bad(format!("has {w}")))?;
                if pending.pax.replace(records).is_some() {
                    return Err(bad("has two PAX headers for one entry".into()));
                }
                continue;
            };
            while body.last() == Some(&0) {
                body.pop();
            }
            if slot.replace(body).is_some() {
                return Err(bad("has two GNU long names for one entry".into()));
            }
            continue;
        }
        if t.is_pax_global_extensions() {
            return Err(bad(
                "is a PAX global header, which no backup archive needs".into()
            ));
        }
        let meta = resolve(
            &entry,
            std::mem::take(&mut pending),
            size,
            last_end,
            links_allowed,
        )
        .map_err(&bad)?;
        f(&meta, &mut entry).map_err(Stop::Inner)?;
    }
    if !pending.is_empty() {
        return Err(Stop::Bad(
            "the archive ends with an extension header that describes no entry".into(),
        ));
    }
    Ok(last_end)
}

fn resolve<R: Read>(
    entry: &tar::Entry<'_, R>,
    p: Pending,
    size: u64,
    end: u64,
    links_allowed: bool,
) -> Result<Meta, String> {
    let h = entry.header();
    if p.pax("path").is_some() && p.long_name.is_some() {
        return Err("has both a PAX path and a GNU long name".into());
    }
    if p.pax("linkpath").is_some() && p.long_link.is_some() {
        return Err("has both a PAX link path and a GNU long link".into());
    }
    let path = p
        .pax("path")
        .map(<[u8]>::to_vec)
        .or(p.long_name.clone())
        .unwrap_or_else(|| h.path_bytes().into_owned());
    let link = p
        .pax("linkpath")
        .map(<[u8]>::to_vec)
        .or(p.long_link.clone())
        .or_else(|| h.link_name_bytes().map(|l| l.into_owned()));
    if let Some(s) = p.pax("size")
        && parse_decimal(s) != Some(size)
    {
        return Err(format!(
            "has a PAX size that differs from its tar header's ({size} bytes)"
        ));
    }
    let kind =
        validate::kind_of(h.entry_type(), link, links_allowed).map_err(|w| format!("is {w}"))?;
    if kind != EntryKind::File && size != 0 {
        return Err(format!(
            "is not a regular file but carries {size} bytes of data"
        ));
    }
    if kind != EntryKind::Dir && path.ends_with(b"/") {
        return Err("has a folder's name (ending in '/') but is not a folder".into());
    }
    let uid = match p.pax("uid") {
        Some(v) => parse_decimal(v).ok_or("has a malformed PAX uid")?,
        None => h
            .uid()
            .map_err(|e| format!("has an unreadable uid ({e})"))?,
    };
    let gid = match p.pax("gid") {
        Some(v) => parse_decimal(v).ok_or("has a malformed PAX gid")?,
        None => h
            .gid()
            .map_err(|e| format!("has an unreadable gid ({e})"))?,
    };
    let mode = h
        .mode()
        .map_err(|e| format!("has an unreadable mode ({e})"))?;
    Ok(Meta {
        path,
        kind,
        size,
        uid,
        gid,
        mode,
        end,
    })
}

fn parse_decimal(v: &[u8]) -> Option<u64> {
    std::str::from_utf8(v).ok()?.parse().ok()
}

/// PAX keys lifeboat accepts; anything else (charset switches, sparse maps) is refused.
fn allowed_key(k: &str) -> bool {
    matches!(
        k,
        "path"
            | "linkpath"
            | "size"
            | "uid"
            | "gid"
            | "uname"
            | "gname"
            | "mtime"
            | "atime"
            | "ctime"
            | "comment"
    ) || k.starts_with("SCHILY.xattr.")
        || k.starts_with("LIBARCHIVE.xattr.")
}

/// Parses `"<len> <key>=<value>\n"` records exactly: every length must match its record.
fn parse_pax(body: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let space = rest
            .iter()
            .position(|b| *b == b' ')
            .ok_or("a malformed PAX record")?;
        let len: usize = std::str::from_utf8(&rest[..space])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or("a malformed PAX record length")?;
        if len <= space + 1 || len > rest.len() || rest[len - 1] != b'\n' {
            return Err("a PAX record whose length does not match".into());
        }
        let record = &rest[space + 1..len - 1];
        let eq = record
            .iter()
            .position(|b| *b == b'=')
            .ok_or("a PAX record without '='")?;
        let key = std::str::from_utf8(&record[..eq])
            .map_err(|_| "a PAX key that is not text")?
            .to_string();
        if !allowed_key(&key) {
            return Err(format!(
                "a PAX record {:?} lifeboat does not accept",
                crate::engine::text::sanitize(&key)
            ));
        }
        if out.iter().any(|(k, _)| *k == key) {
            return Err(format!("a repeated PAX record {key:?}"));
        }
        out.push((key, record[eq + 1..].to_vec()));
        rest = &rest[len..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pax_records_parse_exactly() {
        assert_eq!(
            parse_pax(b"12 path=abc\n").unwrap(),
            vec![("path".to_string(), b"abc".to_vec())]
        );
        assert!(parse_pax(b"13 path=abc\n").is_err(), "length off by one");
        assert!(
            parse_pax(b"12 path=abc\n12 path=abd\n").is_err(),
            "repeated key"
        );
        assert!(
            parse_pax(b"22 GNU.sparse.major=1\n")
                .unwrap_err()
                .contains("does not accept"),
            "sparse"
        );
        assert!(
            parse_pax(b"18 hdrcharset=BIN\n")
                .unwrap_err()
                .contains("does not accept"),
            "charset switch"
        );
        assert!(parse_pax(b"x path=abc\n").is_err());
    }
}
