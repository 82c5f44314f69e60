//! What a manifest says the archive holds: every file with its hash and (format 2) size, and
//! the folders hashed over their files. The reader checks the archive against this; the
//! writer refuses to write anything outside it.

use std::collections::{BTreeMap, BTreeSet};

use super::manifest::{
    FileRecord, Manifest, ManifestError, V1_COMPONENT_FILES, bad, check_member_path, parse_hash,
};
use super::names::ARCHIVE_MANIFEST;
use crate::engine::text::sanitize;

/// What the reader must find in the archive: every file, its hash and (format 2) size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedFile {
    /// Component the file belongs to.
    pub component: String,
    /// Declared size; `None` where version 1 recorded none.
    pub size: Option<u64>,
    pub sha256: [u8; 32],
}

/// A folder whose hash is over its files (`config/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedFolder {
    pub component: String,
    /// Folder name with its trailing slash, as in `checksums`.
    pub name: String,
    pub sha256: [u8; 32],
}

/// The files and folders a manifest declares, keyed by their path inside the inner folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expected {
    pub files: BTreeMap<String, ExpectedFile>,
    pub folders: Vec<ExpectedFolder>,
}

impl Expected {
    /// Sum of the declared file sizes (undeclared sizes count as 0).
    pub fn declared_bytes(&self) -> u64 {
        self.files
            .values()
            .filter_map(|f| f.size)
            .fold(0, u64::saturating_add)
    }

    /// The folder (`config/`) that `path` sits in, if it sits in a declared folder.
    pub fn folder_of(&self, path: &str) -> Option<&ExpectedFolder> {
        self.folders.iter().find(|d| path.starts_with(&d.name))
    }
}

impl Manifest {
    /// The files (and folders) this manifest says the archive holds, with their hashes.
    pub fn expected(&self) -> Result<Expected, ManifestError> {
        if self.is_v1() {
            self.expected_v1()
        } else {
            self.expected_v2()
        }
    }

    fn expected_v2(&self) -> Result<Expected, ManifestError> {
        let mut exp = Expected::default();
        if self.warnings.is_none() || self.details.is_none() {
            return Err(bad("format 2 requires the keys warnings and details"));
        }
        for c in &self.components {
            if !self.details().contains_key(c) {
                return Err(bad(format!("component {c} has no details")));
            }
        }
        for (name, d) in self.details() {
            if !self.components.contains(name) {
                return Err(bad(format!(
                    "details name {name}, which components does not list"
                )));
            }
            let recorded = self.checksum(&d.file)?;
            if recorded != parse_hash(&d.sha256)? {
                return Err(bad(format!(
                    "details.{name}.sha256 disagrees with checksums"
                )));
            }
            if d.file.ends_with('/') {
                check_member_path(&d.file[..d.file.len() - 1])?;
                exp.folders.push(ExpectedFolder {
                    component: name.clone(),
                    name: d.file.clone(),
                    sha256: recorded,
                });
                let mut total = 0u64;
                for f in &d.extra_files {
                    if !f.file.starts_with(&d.file) {
                        return Err(bad(format!(
                            "{} is listed under {} but lies outside it",
                            sanitize(&f.file),
                            d.file
                        )));
                    }
                    total = total.saturating_add(f.size);
                    add_file(&mut exp, self, name, f)?;
                }
                if total != d.size {
                    return Err(bad(format!(
                        "details.{name}.size is {} but its files add up to {total}",
                        d.size
                    )));
                }
                let files: Vec<(String, [u8; 32])> = d
                    .extra_files
                    .iter()
                    .map(|f| Ok((f.file[d.file.len()..].to_string(), parse_hash(&f.sha256)?)))
                    .collect::<Result<_, ManifestError>>()?;
                if folder_hash_sorted(&files) != recorded {
                    return Err(bad(format!(
                        "the hash of {} is not the hash of its files",
                        d.file
                    )));
                }
            } else {
                let rec = FileRecord {
                    file: d.file.clone(),
                    size: d.size,
                    sha256: d.sha256.clone(),
                };
                add_file(&mut exp, self, name, &rec)?;
                for f in &d.extra_files {
                    add_file(&mut exp, self, name, f)?;
                }
            }
        }
        for key in self.checksums.keys() {
            if !exp.files.contains_key(key) && !exp.folders.iter().any(|d| &d.name == key) {
                return Err(bad(format!(
                    "checksums names {}, which no component declares",
                    sanitize(key)
                )));
            }
        }
        Ok(exp)
    }

    fn expected_v1(&self) -> Result<Expected, ManifestError> {
        let mut exp = Expected::default();
        for (key, value) in &self.checksums {
            let component = V1_COMPONENT_FILES
                .iter()
                .find(|(_, f)| f == key)
                .map(|(c, _)| (*c).to_string())
                .unwrap_or_else(|| "unknown".to_string());
            let hash = parse_hash(value)
                .map_err(|_| bad(format!("checksums.{} is not a SHA-256", sanitize(key))))?;
            if let Some(folder) = key.strip_suffix('/') {
                check_member_path(folder)?;
                exp.folders.push(ExpectedFolder {
                    component,
                    name: key.clone(),
                    sha256: hash,
                });
            } else {
                check_member_path(key)?;
                exp.files.insert(
                    key.clone(),
                    ExpectedFile {
                        component,
                        size: None,
                        sha256: hash,
                    },
                );
            }
        }
        for c in &self.components {
            if let Some((_, file)) = V1_COMPONENT_FILES.iter().find(|(n, _)| n == c)
                && !self.checksums.contains_key(*file)
            {
                return Err(bad(format!(
                    "component {c} is listed but checksums has no {file}"
                )));
            }
        }
        Ok(exp)
    }

    fn checksum(&self, file: &str) -> Result<[u8; 32], ManifestError> {
        let v = self
            .checksums
            .get(file)
            .ok_or_else(|| bad(format!("checksums has no entry for {}", sanitize(file))))?;
        parse_hash(v).map_err(|_| bad(format!("checksums.{} is not a SHA-256", sanitize(file))))
    }
}

fn add_file(
    exp: &mut Expected,
    m: &Manifest,
    component: &str,
    f: &FileRecord,
) -> Result<(), ManifestError> {
    check_member_path(&f.file)?;
    if f.file == ARCHIVE_MANIFEST {
        return Err(bad("a component may not be named manifest.json"));
    }
    let hash = parse_hash(&f.sha256)?;
    if m.checksum(&f.file)? != hash {
        return Err(bad(format!(
            "the hash of {} disagrees with checksums",
            sanitize(&f.file)
        )));
    }
    let prev = exp.files.insert(
        f.file.clone(),
        ExpectedFile {
            component: component.to_string(),
            size: Some(f.size),
            sha256: hash,
        },
    );
    if prev.is_some() {
        return Err(bad(format!("{} is declared twice", sanitize(&f.file))));
    }
    Ok(())
}

/// A folder's hash: SHA-256 over `"<sha256>  ./<path>\n"` lines, one per file, in the order
/// given. This is what `cd config && find . -type f -exec sha256sum {} \; | sha256sum` prints
/// when `find` lists the files in that order.
pub fn folder_hash<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8; 32])>) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for (path, hash) in files {
        h.update(format!("{}  ./{path}\n", hex::encode(hash)).as_bytes());
    }
    h.finalize().into()
}

/// [`folder_hash`] over the files sorted by path (byte order): the reproducible form format 2
/// records (`find . -type f -exec sha256sum {} + | LC_ALL=C sort -k2 | sha256sum`).
pub fn folder_hash_sorted(files: &[(String, [u8; 32])]) -> [u8; 32] {
    let mut sorted: Vec<&(String, [u8; 32])> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    folder_hash(sorted.into_iter().map(|(p, h)| (p.as_str(), h)))
}

/// Every folder a set of files implies (`config/` for `config/a.env`), without trailing slash.
pub fn implied_folders<'a>(files: impl Iterator<Item = &'a str>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for f in files {
        let mut acc = String::new();
        let parts: Vec<&str> = f.split('/').collect();
        for p in &parts[..parts.len().saturating_sub(1)] {
            if !acc.is_empty() {
                acc.push('/');
            }
            acc.push_str(p);
            out.insert(acc.clone());
        }
    }
    out
}
