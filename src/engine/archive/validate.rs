//! Entry rules shared by the outer archive and the component tars inside it: path
//! normalisation, allowed entry types, link targets, and the end-of-archive check.
//!
//! The tar crate skips `..` entries silently and treats EOF at a header boundary as a clean end;
//! lifeboat does neither. Every rule here *fails the whole archive* (fail closed), so a reader
//! never has to decide which half of a hostile archive to believe.

use std::io::{self, Read};

use crate::engine::text::sanitize_bytes;

/// Longest entry path accepted, in bytes (bounds depth as well as length).
pub const MAX_PATH_BYTES: usize = 4096;
/// Buffer size for reading entry data: large reads keep per-call overhead out of the profile.
pub const IO_CHUNK: usize = 1024 * 1024;
/// Zero bytes allowed after the end-of-archive marker (GNU tar pads to 10 KiB records).
const MAX_TRAILING_ZEROS: u64 = 1024 * 1024;

/// What an entry is, once its type is known to be allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Dir,
    Symlink(Vec<u8>),
    HardLink(Vec<u8>),
}

/// Normalises an entry path: one leading `./` and trailing `/` removed. Refuses absolute paths,
/// `.` and `..` components, empty components, NUL and over-long paths. `""` is the root (`./`).
pub fn normalize(raw: &[u8]) -> Result<Vec<u8>, String> {
    if raw.len() > MAX_PATH_BYTES {
        return Err(format!(
            "a path of {} bytes (more than {MAX_PATH_BYTES})",
            raw.len()
        ));
    }
    if raw.contains(&0) {
        return Err("a path with a NUL byte".into());
    }
    if raw.first() == Some(&b'/') {
        return Err(format!("an absolute path {}", sanitize_bytes(raw)));
    }
    let mut p = raw;
    if p == b"." || p == b"./" {
        return Ok(Vec::new());
    }
    if let Some(rest) = p.strip_prefix(b"./") {
        p = rest;
    }
    while let Some(rest) = p.strip_suffix(b"/") {
        p = rest;
    }
    if p.is_empty() {
        return Err("an empty path".into());
    }
    for part in p.split(|b| *b == b'/') {
        match part {
            b"" => {
                return Err(format!(
                    "an empty path component in {}",
                    sanitize_bytes(raw)
                ));
            }
            b"." => return Err(format!("a '.' component in {}", sanitize_bytes(raw))),
            b".." => return Err(format!("a '..' component in {}", sanitize_bytes(raw))),
            _ => {}
        }
    }
    Ok(p.to_vec())
}

/// Classifies an entry's type; anything but files, folders and (where `links_allowed`) links
/// is refused with its type named.
pub fn kind_of(
    t: tar::EntryType,
    link: Option<Vec<u8>>,
    links_allowed: bool,
) -> Result<EntryKind, String> {
    use tar::EntryType as T;
    match t {
        T::Regular => Ok(EntryKind::File),
        T::Directory => Ok(EntryKind::Dir),
        T::Symlink | T::Link if links_allowed => {
            let target = link
                .filter(|l| !l.is_empty())
                .ok_or_else(|| "a link without a target".to_string())?;
            Ok(if t == T::Symlink {
                EntryKind::Symlink(target)
            } else {
                EntryKind::HardLink(target)
            })
        }
        T::Symlink => Err("a symbolic link, which an archive may not hold".into()),
        T::Link => Err("a hard link, which an archive may not hold".into()),
        T::Char => Err("a character device".into()),
        T::Block => Err("a block device".into()),
        T::Fifo => Err("a FIFO".into()),
        T::Continuous => Err("a contiguous-file entry".into()),
        T::GNUSparse => Err("a sparse-file entry".into()),
        other => Err(format!(
            "an entry of unsupported type {:?}",
            other.as_byte() as char
        )),
    }
}

/// Whether a symlink at `path` pointing at `target` stays inside the root, judged lexically.
pub fn symlink_stays_inside(path: &[u8], target: &[u8]) -> bool {
    if target.is_empty() || target.first() == Some(&b'/') {
        return false;
    }
    let mut depth: Vec<&[u8]> = path.split(|b| *b == b'/').collect();
    depth.pop(); // the link itself
    for part in target.split(|b| *b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => {
                if depth.pop().is_none() {
                    return false;
                }
            }
            p => depth.push(p),
        }
    }
    true
}

/// Reads `r` to its end with one large buffer (io::copy would use 8 KiB reads), stopping when
/// cancelled; returns the bytes read.
pub fn drain<R: Read>(r: &mut R, cancel: &crate::engine::progress::Cancel) -> io::Result<u64> {
    let mut buf = vec![0u8; IO_CHUNK];
    let mut total = 0u64;
    loop {
        if cancel.is_cancelled() {
            return Err(io::Error::other("cancelled"));
        }
        match r.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => total += n as u64,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Offset just past an entry's data and padding, from its data offset and size.
pub fn padded_end(data_start: u64, size: u64) -> u64 {
    data_start + size.div_ceil(512) * 512
}

/// After the tar crate stopped: proves the end-of-archive marker was there and nothing but
/// zero padding follows. `consumed` is what the tar crate read; `last_end` where the last
/// entry's padded data ended. Reads the rest of `rest` to its end.
pub fn check_end<R: Read>(rest: &mut R, consumed: u64, last_end: u64) -> Result<(), String> {
    if consumed <= last_end {
        return Err("it ends without the end-of-archive marker (truncated)".into());
    }
    let mut zeros = consumed - last_end;
    let mut buf = [0u8; 64 * 1024];
    loop {
        let n = rest.read(&mut buf).map_err(|e| corrupt(&e))?;
        if n == 0 {
            break;
        }
        if buf[..n].iter().any(|b| *b != 0) {
            return Err("it holds data after its end-of-archive marker".into());
        }
        zeros += n as u64;
        if zeros > MAX_TRAILING_ZEROS {
            return Err("it holds more than 1 MiB of padding after its end".into());
        }
    }
    if zeros < 1024 {
        return Err("its end-of-archive marker is cut short (truncated)".into());
    }
    Ok(())
}

/// Describes a read error met while walking a tar.gz: flate2 reports truncation as
/// `UnexpectedEof` and bad deflate data, headers or CRCs as `InvalidInput`; the tar crate
/// reports malformed headers as `Other`.
pub fn corrupt(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => "its compressed data ends early (truncated)".into(),
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData => {
            format!("its compressed data is corrupt ({e})")
        }
        _ => format!("it holds a malformed tar header ({e})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalised_or_refused() {
        assert_eq!(normalize(b"./").unwrap(), b"");
        assert_eq!(normalize(b"./a/b/").unwrap(), b"a/b");
        assert_eq!(normalize(b"a").unwrap(), b"a");
        for bad in [
            &b"/etc/passwd"[..],
            b"../x",
            b"a/../../x",
            b"a//b",
            b"./../x",
            b"a/./b",
            b"",
            b"..",
            b"a\0b",
        ] {
            assert!(
                normalize(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert!(normalize(&vec![b'a'; MAX_PATH_BYTES + 1]).is_err());
    }

    #[test]
    fn symlinks_are_judged_from_their_folder() {
        assert!(symlink_stays_inside(b"a/link", b"target"));
        assert!(symlink_stays_inside(b"a/link", b"../b"));
        assert!(!symlink_stays_inside(b"a/link", b"../../etc"));
        assert!(!symlink_stays_inside(b"link", b".."));
        assert!(!symlink_stays_inside(b"link", b"/etc/passwd"));
        assert!(symlink_stays_inside(b"link", b"./x/./y"));
    }
}
