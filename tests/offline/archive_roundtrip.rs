//! A written archive is what the runbook's own tools expect: `sha256sum -c`, `tar -tzf` in the
//! runbook layout, `tar -xzf A -O NAME/manifest.json | jq .`, and lifeboat verifies it.

use crate::common::*;

#[test]
fn written_archive_passes_the_runbooks_tools() {
    let dir = tempfile::tempdir().unwrap();
    let c = write_archive(dir.path(), UTC_NOON);
    assert_eq!(c.backup_name, "tars-backup-20260103_140000");
    let file = c.archive.file_name().unwrap().to_str().unwrap().to_string();

    let check = sh(dir.path(), &format!("sha256sum -c {file}.sha256"));
    assert!(check.status.success(), "sha256sum -c: {}", stderr(&check));
    assert_eq!(stdout(&check).trim(), format!("{file}: OK"));

    let list = sh(dir.path(), &format!("tar -tzf {file}"));
    assert!(list.status.success(), "{}", stderr(&list));
    let n = &c.backup_name;
    let expected = [
        format!("{n}/"),
        format!("{n}/manifest.json"),
        format!("{n}/chromadb.tar.gz"),
        format!("{n}/postgres.sql.gz"),
        format!("{n}/postgres-globals.sql"),
        format!("{n}/redis-dump.rdb"),
        format!("{n}/config/"),
        format!("{n}/config/tars-home.env.redacted"),
        format!("{n}/config/docker-compose.home.yml"),
    ];
    let got: Vec<String> = stdout(&list).lines().map(str::to_owned).collect();
    assert_eq!(got, expected);

    let jq = sh(
        dir.path(),
        &format!(
            "tar -xzf {file} -O {n}/manifest.json | jq -e '.format == 2 and .failed_components == [] and (.components | index(\"postgres\")) != null'"
        ),
    );
    assert!(jq.status.success(), "jq: {} {}", stdout(&jq), stderr(&jq));

    // The component hashes in the manifest are what sha256sum says of the extracted files.
    let extract = sh(
        dir.path(),
        &format!(
            "mkdir x && tar -xzf {file} -C x && cd x/{n} && jq -r '.checksums | to_entries[] | select(.key | endswith(\"/\") | not) | \"\\(.value)  \\(.key)\"' manifest.json | sha256sum -c --quiet"
        ),
    );
    assert!(
        extract.status.success(),
        "component hashes: {} {}",
        stdout(&extract),
        stderr(&extract)
    );

    // The config/ folder hash is reproducible with the documented shell line.
    let folder = sh(
        dir.path(),
        &format!(
            "cd x/{n}/config && find . -type f -exec sha256sum {{}} + | LC_ALL=C sort -k2 | sha256sum | cut -d' ' -f1"
        ),
    );
    let recorded = sh(
        dir.path(),
        &format!("jq -r '.checksums[\"config/\"]' x/{n}/manifest.json"),
    );
    assert_eq!(stdout(&folder).trim(), stdout(&recorded).trim());

    // The manifest copy is byte-identical to the embedded manifest.
    let copy = std::fs::read(&c.manifest_copy).unwrap();
    let inner = std::fs::read(dir.path().join(format!("x/{n}/manifest.json"))).unwrap();
    assert_eq!(copy, inner);

    let v = run(lifeboat().args(["verify", c.archive.to_str().unwrap()]));
    assert_eq!(code(&v), 0, "verify: {} {}", stdout(&v), stderr(&v));
    assert!(stdout(&v).starts_with("OK "), "{}", stdout(&v));
}

#[test]
fn files_are_private_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new/backups");
    let c = write_archive(&out, UTC_NOON);
    for f in [&c.archive, &c.sidecar, &c.manifest_copy] {
        assert_eq!(
            std::fs::metadata(f).unwrap().permissions().mode() & 0o777,
            0o600,
            "{}",
            f.display()
        );
    }
    for d in [&out, &dir.path().join("new")] {
        assert_eq!(
            std::fs::metadata(d).unwrap().permissions().mode() & 0o777,
            0o700,
            "{}",
            d.display()
        );
    }
}

#[test]
fn two_archives_in_one_second_both_survive() {
    let dir = tempfile::tempdir().unwrap();
    let a = write_archive(dir.path(), UTC_NOON);
    let b = write_archive(dir.path(), UTC_NOON);
    assert_eq!(a.backup_name, "tars-backup-20260103_140000");
    assert_eq!(b.backup_name, "tars-backup-20260103_140001");
    for c in [&a, &b] {
        let v = run(lifeboat().args(["verify", c.archive.to_str().unwrap()]));
        assert_eq!(code(&v), 0, "{}", stdout(&v));
    }
    let v = run(lifeboat().args(["verify", dir.path().to_str().unwrap()]));
    assert_eq!(code(&v), 0, "{}", stdout(&v));
    assert_eq!(
        stdout(&v).lines().filter(|l| l.starts_with("OK ")).count(),
        2
    );
}
