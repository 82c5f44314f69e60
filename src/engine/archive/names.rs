//! File names of the archive format: `<prefix>-YYYYMMDD_HHMMSS.tar.gz`, its sidecar
//! (`.sha256`), its manifest copy (`.manifest.json`) and the `.partial` forms of all three.

use jiff::civil::DateTime;

/// The manifest's name inside the archive's inner folder.
pub const ARCHIVE_MANIFEST: &str = "manifest.json";
/// Extension of an archive.
pub const ARCHIVE_EXT: &str = ".tar.gz";
/// Appended to the archive name for the sidecar.
pub const SIDECAR_EXT: &str = ".sha256";
/// Appended to the archive name for the manifest copy written beside it.
pub const MANIFEST_COPY_EXT: &str = ".manifest.json";
/// Appended to any of the three while it is being written.
pub const PARTIAL_EXT: &str = ".partial";

/// `<prefix>-YYYYMMDD_HHMMSS` for a prefix and a local wall-clock time.
pub fn backup_name(prefix: &str, when: DateTime) -> String {
    format!("{prefix}-{}", when.strftime("%Y%m%d_%H%M%S"))
}

/// Splits `<prefix>-YYYYMMDD_HHMMSS` into its prefix and time; `None` if it is not one.
pub fn parse_backup_name(name: &str) -> Option<(&str, DateTime)> {
    let (prefix, stamp) = name.rsplit_once('-')?;
    if !is_valid_prefix(prefix) || stamp.len() != 15 || stamp.as_bytes()[8] != b'_' {
        return None;
    }
    if !stamp
        .bytes()
        .enumerate()
        .all(|(i, b)| i == 8 || b.is_ascii_digit())
    {
        return None;
    }
    let when = DateTime::strptime("%Y%m%d_%H%M%S", stamp).ok()?;
    Some((prefix, when))
}

/// Prefixes are what profiles may name: letters, digits, `_`, `.`, `-`, starting alphanumeric.
pub fn is_valid_prefix(prefix: &str) -> bool {
    !prefix.is_empty()
        && prefix.len() <= 100
        && prefix
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// What a file in a backup folder is, judged by its name alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FolderEntry {
    /// `X.tar.gz`, with X a backup name.
    Archive { name: String },
    /// `X.tar.gz.sha256`.
    Sidecar { archive: String },
    /// `X.tar.gz.manifest.json`.
    ManifestCopy { archive: String },
    /// Any of the three with `.partial`: a write in progress or interrupted.
    Partial { archive: String },
    /// Anything else: not ours, never touched.
    Foreign,
}

/// Classifies a file name found in a backup folder.
pub fn classify(file_name: &str) -> FolderEntry {
    let (base, partial) = match file_name.strip_suffix(PARTIAL_EXT) {
        Some(b) => (b, true),
        None => (file_name, false),
    };
    let (archive, entry) = if let Some(a) = base.strip_suffix(SIDECAR_EXT) {
        (
            a,
            FolderEntry::Sidecar {
                archive: a.to_string(),
            },
        )
    } else if let Some(a) = base.strip_suffix(MANIFEST_COPY_EXT) {
        (
            a,
            FolderEntry::ManifestCopy {
                archive: a.to_string(),
            },
        )
    } else {
        (
            base,
            FolderEntry::Archive {
                name: base.to_string(),
            },
        )
    };
    let Some(stem) = archive.strip_suffix(ARCHIVE_EXT) else {
        return FolderEntry::Foreign;
    };
    if parse_backup_name(stem).is_none() {
        return FolderEntry::Foreign;
    }
    if partial {
        FolderEntry::Partial {
            archive: archive.to_string(),
        }
    } else {
        entry
    }
}

/// The backup name (`<prefix>-YYYYMMDD_HHMMSS`) of an archive file name, if it is one.
pub fn backup_name_of(archive_file: &str) -> Option<&str> {
    let stem = archive_file.strip_suffix(ARCHIVE_EXT)?;
    parse_backup_name(stem).map(|_| stem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        let when = DateTime::strptime("%Y%m%d_%H%M%S", "20260103_140000").unwrap();
        let name = backup_name("tars-backup", when);
        assert_eq!(name, "tars-backup-20260103_140000");
        assert_eq!(parse_backup_name(&name), Some(("tars-backup", when)));
    }

    #[test]
    fn bad_names_are_not_backups() {
        for n in [
            "tars-backup-2026010_140000",
            "-20260103_140000",
            "x-20261303_140000",
            "x-20260103-140000",
            "a/b-20260103_140000",
            "x-2026010３_14000",
        ] {
            assert_eq!(parse_backup_name(n), None, "{n}");
        }
    }

    #[test]
    fn folder_entries_are_classified() {
        let a = "tars-backup-20260103_140000.tar.gz";
        assert_eq!(classify(a), FolderEntry::Archive { name: a.into() });
        assert_eq!(
            classify(&format!("{a}.sha256")),
            FolderEntry::Sidecar { archive: a.into() }
        );
        assert_eq!(
            classify(&format!("{a}.manifest.json")),
            FolderEntry::ManifestCopy { archive: a.into() }
        );
        assert_eq!(
            classify(&format!("{a}.sha256.partial")),
            FolderEntry::Partial { archive: a.into() }
        );
        assert_eq!(
            classify(&format!("{a}.partial")),
            FolderEntry::Partial { archive: a.into() }
        );
        assert_eq!(classify("notes.txt"), FolderEntry::Foreign);
        assert_eq!(classify("x.tar.gz"), FolderEntry::Foreign);
    }
}
