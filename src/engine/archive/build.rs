//! Building a format-2 manifest from what was captured: the writer's counterpart on the
//! manifest side. A backup records each component's files here; the result satisfies
//! [`Manifest::expected`] by construction, so the writer accepts it and `verify` proves it.

use std::collections::BTreeMap;

use super::manifest::{self, ArchiveKind, ComponentDetails, FORMAT, FileRecord, Manifest};
use crate::engine::TOOL_VERSION;

/// Who wrote the archive and where: the manifest's header fields.
#[derive(Debug, Clone)]
pub struct Header {
    pub profile: String,
    pub kind: ArchiveKind,
    pub host: String,
    pub docker_volumes: Vec<String>,
    pub options: BTreeMap<String, serde_json::Value>,
}

impl Manifest {
    /// An empty format-2 manifest; `timestamp` and `backup_name` are set by the writer.
    pub fn new_v2(h: Header) -> Manifest {
        Manifest {
            format: Some(FORMAT),
            version: TOOL_VERSION.to_string(),
            timestamp: String::new(),
            backup_name: String::new(),
            components: Vec::new(),
            checksums: BTreeMap::new(),
            host: h.host,
            docker_volumes: h.docker_volumes,
            options: h.options,
            failed_components: Vec::new(),
            tool_version: Some(TOOL_VERSION.to_string()),
            profile: Some(h.profile),
            kind: Some(h.kind),
            warnings: Some(Vec::new()),
            details: Some(BTreeMap::new()),
            extra: BTreeMap::new(),
        }
    }

    /// Records a captured component. `details` carries what the adapter knows (kind, capture
    /// mode, image, fingerprint...); `file`, `size`, `sha256` and `extra_files` are filled in
    /// here from `files`: the first is the component's file and the rest its extra files; for
    /// a `folder` (`config/`), every file is listed and the folder's size and hash are over
    /// them all.
    pub fn record_component(
        &mut self,
        name: &str,
        mut details: ComponentDetails,
        folder: Option<&str>,
        files: Vec<FileRecord>,
    ) {
        for f in &files {
            self.checksums.insert(f.file.clone(), f.sha256.clone());
        }
        match folder {
            Some(folder) => {
                let folder = format!("{}/", folder.trim_end_matches('/'));
                let hashes: Vec<(String, [u8; 32])> = files
                    .iter()
                    .filter_map(|f| {
                        Some((
                            f.file.strip_prefix(&folder)?.to_string(),
                            manifest::parse_hash(&f.sha256).ok()?,
                        ))
                    })
                    .collect();
                details.sha256 = hex::encode(super::expected::folder_hash_sorted(&hashes));
                details.size = files.iter().map(|f| f.size).sum();
                self.checksums
                    .insert(folder.clone(), details.sha256.clone());
                details.file = folder;
                details.extra_files = files;
            }
            None => {
                let mut files = files.into_iter();
                if let Some(main) = files.next() {
                    details.file = main.file;
                    details.size = main.size;
                    details.sha256 = main.sha256;
                }
                details.extra_files = files.collect();
            }
        }
        if !self.components.iter().any(|c| c == name) {
            self.components.push(name.to_string());
        }
        self.details_mut().insert(name.to_string(), details);
    }

    /// Records a component that was selected but failed.
    pub fn record_failure(&mut self, name: &str) {
        if !self.failed_components.iter().any(|c| c == name) {
            self.failed_components.push(name.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(file: &str, bytes: &[u8]) -> FileRecord {
        FileRecord {
            file: file.into(),
            size: bytes.len() as u64,
            sha256: hex::encode(super::super::gz::sha256(bytes)),
        }
    }

    #[test]
    fn recorded_components_make_a_valid_manifest() {
        let mut m = Manifest::new_v2(Header {
            profile: "tars-home".into(),
            kind: ArchiveKind::Backup,
            host: "h".into(),
            docker_volumes: vec![],
            options: BTreeMap::new(),
        });
        m.backup_name = "tars-backup-20260103_140000".into();
        m.timestamp = "2026-01-03T14:00:00+00:00".into();
        let pg = ComponentDetails {
            kind: Some("postgres".into()),
            ..Default::default()
        };
        m.record_component(
            "postgres",
            pg,
            None,
            vec![
                rec("postgres.sql.gz", b"dump"),
                rec("postgres-globals.sql", b"roles"),
            ],
        );
        let cfg = ComponentDetails {
            kind: Some("files".into()),
            ..Default::default()
        };
        m.record_component(
            "configuration",
            cfg,
            Some("config"),
            vec![rec("config/b.yml", b"b"), rec("config/a.env", b"aa")],
        );
        m.record_failure("redis");
        let back = Manifest::parse(m.to_json_pretty().as_bytes()).expect("valid");
        assert_eq!(back.details()["configuration"].size, 3);
        assert_eq!(back.details()["postgres"].extra_files.len(), 1);
        assert_eq!(back.expected().expect("expected").files.len(), 4);
        assert_eq!(back.failed(), ["redis"]);
    }
}
