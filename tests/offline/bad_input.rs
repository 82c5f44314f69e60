//! Damaged archives and sidecars: every one refused with its exit code and one line naming
//! the problem and the file, never a panic (reliability plan V1-V4, R2).

use std::path::{Path, PathBuf};

use crate::common::*;

const NAME: &str = "tars-backup-20260103_140000";

fn good(dir: &Path) -> PathBuf {
    write_archive(dir, UTC_NOON).archive
}

fn copy_to(src: &Path, dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let dst = dir.join(src.file_name().unwrap());
    std::fs::copy(src, &dst).unwrap();
    std::fs::copy(
        format!("{}.sha256", src.display()),
        format!("{}.sha256", dst.display()),
    )
    .unwrap();
    dst
}

#[test]
fn byte_flips_are_all_detected() {
    let tmp = tempfile::tempdir().unwrap();
    let src = good(&tmp.path().join("src"));
    let bytes = std::fs::read(&src).unwrap();
    let len = bytes.len();
    // Every byte of the first and last 64 (gzip header, trailer, tar header of the first
    // member) and a stride over the rest.
    let mut positions: Vec<usize> = (0..64).chain(len - 64..len).collect();
    positions.extend((64..len - 64).step_by((len / 150).max(1)));
    let dir = tmp.path().join("flip");
    let path = copy_to(&src, &dir);
    let mut resealed_passes = 0;
    for (i, pos) in positions.iter().enumerate() {
        let mut b = bytes.clone();
        b[*pos] ^= 1 << (i % 8);
        std::fs::write(&path, &b).unwrap();
        std::fs::copy(
            format!("{}.sha256", src.display()),
            format!("{}.sha256", path.display()),
        )
        .unwrap();
        let err = assert_refused(&path, 13, &format!("flip at {pos}"));
        assert!(
            err.contains("does not match its sidecar"),
            "flip at {pos}: {err}"
        );
        // With the sidecar recomputed, the inside must still be proven: either refused, or the
        // flip hit a byte gzip does not cover (header mtime/OS) and the content is unchanged.
        reseal(&path);
        let (c, out, err) = verify_cli(&path);
        if c == 0 {
            assert_eq!(
                gunzip(&b),
                gunzip(&bytes),
                "flip at {pos} passed with different content"
            );
            resealed_passes += 1;
        } else {
            assert_eq!(c, 13, "resealed flip at {pos}: {out}{err}");
        }
    }
    assert!(
        resealed_passes < 20,
        "{resealed_passes} resealed flips passed: only gzip header bytes may"
    );
}

fn gunzip(b: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    let _ = flate2::read::MultiGzDecoder::new(b).read_to_end(&mut out);
    out
}

#[test]
fn truncations_are_refused_even_with_a_recomputed_sidecar() {
    let tmp = tempfile::tempdir().unwrap();
    let src = good(&tmp.path().join("src"));
    let bytes = std::fs::read(&src).unwrap();
    let dir = tmp.path().join("cut");
    let path = copy_to(&src, &dir);
    // Cut the compressed file: at every gzip member boundary and inside members.
    let mut cuts: Vec<usize> = bytes
        .windows(4)
        .enumerate()
        .filter(|(_, w)| w == &[0x1f, 0x8b, 8, 0])
        .map(|(i, _)| i)
        .filter(|i| *i > 0)
        .collect();
    assert!(cuts.len() >= 3, "the writer makes several gzip members");
    cuts.extend([1, 10, bytes.len() / 2, bytes.len() - 8, bytes.len() - 1]);
    for cut in cuts {
        std::fs::write(&path, &bytes[..cut]).unwrap();
        reseal(&path);
        let err = assert_refused(&path, 13, &format!("cut at {cut}"));
        assert!(
            err.contains("truncated")
                || err.contains("corrupt")
                || err.contains("missing")
                || err.contains("no manifest"),
            "cut at {cut}: {err}"
        );
    }
    // Cut the tar at every 512-byte block boundary, re-gzipped so the gzip layer is valid.
    let tar = gunzip(&bytes);
    for cut in (0..tar.len()).step_by(512) {
        std::fs::write(&path, gzip(&tar[..cut])).unwrap();
        reseal(&path);
        assert_refused(&path, 13, &format!("tar cut at {cut}"));
    }
    // A zero-length file and a file of zeros of the right length.
    for content in [Vec::new(), vec![0u8; bytes.len()]] {
        std::fs::write(&path, &content).unwrap();
        reseal(&path);
        assert_refused(&path, 13, "empty or zeroed file");
    }
}

#[test]
fn appended_data_is_refused_by_the_sidecar_and_by_the_parser() {
    let tmp = tempfile::tempdir().unwrap();
    let src = good(&tmp.path().join("src"));
    let bytes = std::fs::read(&src).unwrap();
    let path = copy_to(&src, &tmp.path().join("app"));
    let tar = gunzip(&bytes);
    let extra_entry = raw_tar(&[Raw::File(
        format!("{NAME}/smuggled.sh").into_bytes(),
        b"rm -rf /".to_vec(),
    )]);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "garbage",
            [bytes.clone(), b"trailing garbage".to_vec()].concat(),
        ),
        (
            "second gzip member with an entry",
            [bytes.clone(), gzip(&extra_entry)].concat(),
        ),
        (
            "entry after the end marker",
            gzip(&[tar.clone(), extra_entry.clone()].concat()),
        ),
        (
            "non-zero padding",
            gzip(&[tar.clone(), vec![1u8; 10]].concat()),
        ),
    ];
    for (what, content) in cases {
        std::fs::write(&path, &content).unwrap();
        std::fs::copy(
            format!("{}.sha256", src.display()),
            format!("{}.sha256", path.display()),
        )
        .unwrap();
        assert_refused(&path, 13, what);
        reseal(&path);
        let err = assert_refused(&path, 13, &format!("{what}, sidecar recomputed"));
        assert!(
            err.contains("match the sidecar") || err.contains("after its end"),
            "{what}: {err}"
        );
    }
}

#[test]
fn sidecar_problems_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let src = good(&tmp.path().join("src"));
    let path = copy_to(&src, &tmp.path().join("side"));
    let side = PathBuf::from(format!("{}.sha256", path.display()));
    let good_line = std::fs::read_to_string(&side).unwrap();
    let hash = good_line.split(' ').next().unwrap().to_string();
    let other = write_archive(&tmp.path().join("other"), "2026-01-03T15:00:00+00:00[UTC]");
    let other_hash = std::fs::read_to_string(&other.sidecar).unwrap();
    let file = format!("{NAME}.tar.gz");
    let cases = [
        ("empty", String::new()),
        ("garbled", "not a sidecar at all\n".to_string()),
        ("two lines", format!("{good_line}{good_line}")),
        ("CRLF", good_line.replace('\n', "\r\n")),
        ("BOM", format!("\u{feff}{good_line}")),
        ("63 hex", format!("{}  {file}\n", &hash[..63])),
        ("65 hex", format!("{hash}0  {file}\n")),
        ("names another file", format!("{hash}  other.tar.gz\n")),
        (
            "names ../../etc/passwd",
            format!("{hash}  ../../etc/passwd\n"),
        ),
        ("wrong hash", format!("{}  {file}\n", "0".repeat(64))),
        (
            "hash of another archive",
            other_hash.replace(other.archive.file_name().unwrap().to_str().unwrap(), &file),
        ),
    ];
    for (what, content) in cases {
        std::fs::write(&side, content).unwrap();
        assert_refused(&path, 13, what);
    }
    std::fs::remove_file(&side).unwrap();
    let err = assert_refused(&path, 13, "missing sidecar");
    assert!(err.contains("not committed"), "{err}");
}

/// A v1 sidecar names a path; lifeboat accepts it by its last component and never opens it.
#[test]
fn a_path_named_in_a_sidecar_is_never_opened() {
    let tmp = tempfile::tempdir().unwrap();
    let src = good(&tmp.path().join("src"));
    let path = copy_to(&src, &tmp.path().join("named"));
    let decoy_dir = tmp.path().join("decoy");
    std::fs::create_dir_all(&decoy_dir).unwrap();
    let decoy = decoy_dir.join(path.file_name().unwrap());
    std::fs::write(&decoy, b"not the archive").unwrap();
    let hash = std::fs::read_to_string(format!("{}.sha256", path.display())).unwrap();
    let hash = hash.split(' ').next().unwrap();
    std::fs::write(
        format!("{}.sha256", path.display()),
        format!("{hash}  {}\n", decoy.display()),
    )
    .unwrap();
    let trace = tmp.path().join("trace");
    let o = run(std::process::Command::new("strace")
        .args([
            "-f",
            "-e",
            "trace=file",
            "-o",
            trace.to_str().unwrap(),
            env!("CARGO_BIN_EXE_lifeboat"),
            "verify",
            "--no-progress",
            path.to_str().unwrap(),
        ])
        .env("LIFEBOAT_STATE", tmp.path().join("state")));
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let syscalls = std::fs::read_to_string(&trace).unwrap();
    assert!(
        syscalls.contains(path.to_str().unwrap()),
        "strace saw the archive being opened"
    );
    assert!(
        !syscalls.contains(decoy_dir.to_str().unwrap()),
        "the path named in the sidecar was touched:\n{syscalls}"
    );
}

#[test]
fn hostile_manifests_are_refused_without_raw_escapes() {
    let tmp = tempfile::tempdir().unwrap();
    let parts = tars_parts();
    let (m, entries) = good_entries(NAME, &parts);
    let text = m.to_json_pretty();
    let hostile: Vec<(&str, String)> = vec![
        (
            "huge number",
            text.replacen("\"size\": ", "\"size\": 1e400, \"x\": ", 1),
        ),
        (
            "u64 overflow",
            text.replacen("\"size\": ", "\"size\": 18446744073709551616, \"y\": ", 1),
        ),
        (
            "wrong type",
            text.replace("\"failed_components\": []", "\"failed_components\": {}"),
        ),
        (
            "deep nesting",
            text.replace(
                "\"host\": \"testhost\"",
                &format!(
                    "\"host\": \"h\", \"deep\": {}1{}",
                    "[".repeat(500),
                    "]".repeat(500)
                ),
            ),
        ),
        (
            "component name with ../",
            text.replace("\"redis\"", "\"../redis\""),
        ),
        (
            "ANSI in a component name",
            text.replace("\"redis\"", "\"\\u001b[31mredis\""),
        ),
        (
            "duplicate keys",
            text.replace("\"host\": \"testhost\"", "\"host\": \"a\", \"host\": \"b\""),
        ),
        ("not JSON", "{\"format\": 2,".to_string()),
    ];
    for (what, manifest) in hostile {
        let dir = tmp.path().join(what.replace(' ', "_"));
        std::fs::create_dir_all(&dir).unwrap();
        let mut e = entries.clone();
        e[1] = Raw::File(
            format!("{NAME}/manifest.json").into_bytes(),
            manifest.into_bytes(),
        );
        let path = write_raw_archive(&dir, NAME, &raw_tar(&e));
        let err = assert_refused(&path, 13, what);
        assert!(err.contains("manifest.json"), "{what}: {err}");
    }
}

#[test]
fn a_newer_format_asks_for_an_upgrade() {
    let tmp = tempfile::tempdir().unwrap();
    let (m, mut entries) = good_entries(NAME, &tars_parts());
    let newer = m
        .to_json_pretty()
        .replace("\"format\": 2", "\"format\": 99");
    entries[1] = Raw::File(
        format!("{NAME}/manifest.json").into_bytes(),
        newer.into_bytes(),
    );
    let path = write_raw_archive(tmp.path(), NAME, &raw_tar(&entries));
    let err = assert_refused(&path, 1, "newer format");
    assert!(
        err.contains("archive format 99 is newer than this lifeboat reads (2); upgrade lifeboat"),
        "{err}"
    );
    let o = run(lifeboat().args(["inspect", path.to_str().unwrap()]));
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("upgrade lifeboat"), "{}", stderr(&o));
    // A damaged file says "damaged", even when its manifest names a newer format.
    let mut b = std::fs::read(&path).unwrap();
    let last = b.len() - 3;
    b[last] ^= 1;
    std::fs::write(&path, b).unwrap();
    let err = assert_refused(&path, 13, "damaged newer format");
    assert!(err.contains("does not match its sidecar"), "{err}");
}

/// Strings the manifest may legally hold are still sanitized wherever they are shown.
#[test]
fn escapes_in_displayed_fields_never_reach_the_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let parts = tars_parts();
    let (m, mut entries) = good_entries(NAME, &parts);
    let evil = m.to_json_pretty().replace(
        "\"host\": \"testhost\"",
        "\"host\": \"\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31m\\u202eevil\"",
    );
    entries[1] = Raw::File(
        format!("{NAME}/manifest.json").into_bytes(),
        evil.into_bytes(),
    );
    let path = write_raw_archive(tmp.path(), NAME, &raw_tar(&entries));
    for args in [
        vec!["verify"],
        vec!["inspect"],
        vec!["list"],
        vec!["--json", "inspect"],
        vec!["--json", "list"],
    ] {
        let target = if args.last() == Some(&"list") {
            tmp.path()
        } else {
            &path
        };
        let o = run(lifeboat().args(&args).arg(target));
        let all = [o.stdout.clone(), o.stderr.clone()].concat();
        let text = String::from_utf8_lossy(&all);
        assert!(
            !text.contains('\x1b')
                && !text.contains('\u{9b}')
                && !text.contains('\u{202e}')
                && !text.contains('\x07'),
            "{args:?}: {text:?}"
        );
        assert!(code(&o) == 0 || code(&o) == 13, "{args:?}: {}", code(&o));
    }
    let o = run(lifeboat().args(["inspect", path.to_str().unwrap()]));
    assert!(stdout(&o).contains("\\x1b]0;pwned"), "{}", stdout(&o));
}
