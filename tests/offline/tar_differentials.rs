//! Archives that different tar readers would read differently (the review's findings): data on
//! folders and links, repeated or conflicting PAX records, oversized extension headers, chained
//! symlinks, FIFOs where files belong. lifeboat refuses every one, quickly, without hanging.

use std::path::Path;

use crate::common::*;

const NAME: &str = "tars-backup-20260103_140000";

/// One header block with a declared size (which may disagree with the data that follows).
fn block(name: &[u8], flag: u8, size: u64, data: &[u8]) -> Vec<u8> {
    let mut h = tar::Header::new_gnu();
    let gnu = h.as_gnu_mut().unwrap();
    gnu.name[..name.len()].copy_from_slice(name);
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(0);
    h.set_entry_type(tar::EntryType::new(flag));
    h.set_size(size);
    h.set_cksum();
    let mut out = h.as_bytes().to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out
}

fn pax(records: &[(&str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (k, v) in records {
        let inner = k.len() + v.len() + 3;
        let mut len = inner + inner.to_string().len();
        if len.to_string().len() != inner.to_string().len() {
            len += 1;
        }
        body.extend_from_slice(format!("{len} {k}=").as_bytes());
        body.extend_from_slice(v);
        body.push(b'\n');
    }
    block(b"././@PaxHeader", b'x', body.len() as u64, &body)
}

/// The good archive's entries as raw bytes, with `extra` inserted before the end marker.
fn archive(dir: &Path, extra: &[u8]) -> std::path::PathBuf {
    let (_, entries) = good_entries(NAME, &tars_parts());
    let mut tar = raw_tar(&entries);
    tar.truncate(tar.len() - 1024);
    tar.extend_from_slice(extra);
    tar.extend_from_slice(&[0u8; 1024]);
    std::fs::create_dir_all(dir).unwrap();
    write_raw_archive(dir, NAME, &tar)
}

fn evil_rdb() -> Vec<u8> {
    block(
        format!("{NAME}/redis-dump.rdb").as_bytes(),
        b'0',
        4,
        b"EVIL",
    )
}

fn reason(err: &str) -> &str {
    err.split_once(".tar.gz: ").map_or(err, |(_, r)| r)
}

#[test]
fn data_hidden_on_folders_and_links_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let hidden = evil_rdb();
    let cases = [
        (
            "folder with data",
            block(
                format!("{NAME}/config/").as_bytes(),
                b'5',
                hidden.len() as u64,
                &hidden,
            ),
        ),
        (
            "symlink with data",
            block(
                format!("{NAME}/l").as_bytes(),
                b'2',
                hidden.len() as u64,
                &hidden,
            ),
        ),
    ];
    for (i, (what, extra)) in cases.into_iter().enumerate() {
        let path = archive(&tmp.path().join(format!("c{i}")), &extra);
        let err = assert_refused(&path, 13, what);
        assert!(
            reason(&err).contains("carries") || reason(&err).contains("symbolic link"),
            "{what}: {err}"
        );
    }
}

#[test]
fn pax_records_readers_disagree_on_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let long = format!("{NAME}/redis-dump.rdb");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "repeated size",
            [pax(&[("size", b"1024"), ("size", b"0")]), evil_rdb()].concat(),
            "repeated PAX record",
        ),
        (
            "repeated path",
            [
                pax(&[("path", long.as_bytes()), ("path", b"x")]),
                evil_rdb(),
            ]
            .concat(),
            "repeated PAX record",
        ),
        (
            "long name and PAX path",
            [
                block(
                    b"././@LongLink",
                    b'L',
                    long.len() as u64 + 1,
                    &[long.as_bytes(), b"\0"].concat(),
                ),
                pax(&[("path", b"other")]),
                evil_rdb(),
            ]
            .concat(),
            "both a PAX path and a GNU long name",
        ),
        (
            "sparse map",
            [pax(&[("GNU.sparse.name", long.as_bytes())]), evil_rdb()].concat(),
            "does not accept",
        ),
        (
            "size disagreement",
            [pax(&[("size", b"1024")]), evil_rdb()].concat(),
            "PAX size that differs",
        ),
        (
            "global header",
            block(b"pax_global_header", b'g', 0, b""),
            "PAX global header",
        ),
        (
            "dangling extension",
            pax(&[("path", b"x")]),
            "describes no entry",
        ),
        (
            "folder name on a file",
            block(format!("{NAME}/redis-dump.rdb/").as_bytes(), b'0', 0, b""),
            "folder's name",
        ),
    ];
    for (i, (what, extra, expect)) in cases.into_iter().enumerate() {
        let path = archive(&tmp.path().join(format!("c{i}")), &extra);
        let err = assert_refused(&path, 13, what);
        assert!(
            reason(&err).contains(expect),
            "{what}: expected {expect:?} in {err}"
        );
    }
}

#[test]
fn oversized_extension_headers_are_refused_before_they_are_read() {
    let tmp = tempfile::tempdir().unwrap();
    // Claims 2 GiB of long name; nothing follows. Reading it would need 2 GiB of memory.
    let mut h = block(b"././@LongLink", b'L', 0, b"");
    let mut header = tar::Header::new_gnu();
    header.as_mut_bytes().copy_from_slice(&h[..512]);
    header.set_size(2 << 30);
    header.set_cksum();
    h[..512].copy_from_slice(header.as_bytes());
    let path = archive(tmp.path(), &h);
    let started = std::time::Instant::now();
    let err = assert_refused(&path, 13, "2 GiB long name");
    assert!(
        reason(&err).contains("extension header of 2147483648 bytes"),
        "{err}"
    );
    assert!(started.elapsed().as_secs() < 10);
}

#[test]
fn symlinks_chained_out_of_the_root_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let mut parts = tars_parts();
    parts[0].bytes = gzip(&raw_tar(&[
        Raw::Dir(b"./".to_vec()),
        Raw::Dir(b"./a/".to_vec()),
        Raw::Symlink(b"./a/up".to_vec(), b"..".to_vec()),
        Raw::Symlink(b"./esc".to_vec(), b"a/up/../etc".to_vec()),
    ]));
    let (_, entries) = good_entries(NAME, &parts);
    let path = write_raw_archive(tmp.path(), NAME, &raw_tar(&entries));
    let err = assert_refused(&path, 13, "chained symlink");
    assert!(reason(&err).contains("symlink leaving the root"), "{err}");
}

#[test]
fn fifos_where_files_belong_never_hang() {
    let tmp = tempfile::tempdir().unwrap();
    let c = write_archive(&tmp.path().join("a"), UTC_NOON);
    let fifo = |p: &Path| {
        let _ = std::fs::remove_file(p);
        assert!(
            std::process::Command::new("mkfifo")
                .arg(p)
                .status()
                .unwrap()
                .success()
        );
    };
    fifo(&c.sidecar);
    fifo(&c.manifest_copy);
    let bin = env!("CARGO_BIN_EXE_lifeboat");
    let dir = c.archive.parent().unwrap().to_str().unwrap().to_string();
    for args in [
        vec!["verify", &dir],
        vec!["list", &dir],
        vec!["inspect", c.archive.to_str().unwrap()],
    ] {
        let o = sh(
            tmp.path(),
            &format!(
                "LIFEBOAT_STATE={}/st timeout 20 {bin} {} >/dev/null 2>&1; echo $?",
                tmp.path().display(),
                args.join(" ")
            ),
        );
        let code: i32 = stdout(&o).trim().parse().unwrap();
        assert_ne!(code, 124, "{args:?} hung on a FIFO");
    }
    let other = tmp.path().join("b");
    std::fs::create_dir(&other).unwrap();
    fifo(&other.join(format!("{NAME}.tar.gz")));
    let o = sh(
        tmp.path(),
        &format!(
            "LIFEBOAT_STATE={}/st timeout 20 {bin} list {} 2>&1; echo \"code=$?\"",
            tmp.path().display(),
            other.display()
        ),
    );
    assert!(
        !stdout(&o).contains("code=124"),
        "list hung on a FIFO archive: {}",
        stdout(&o)
    );
}
