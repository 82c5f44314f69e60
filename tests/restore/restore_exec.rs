//! The `exec` kind end to end on the reference stack: any dump command's stdout is archived
//! byte for byte, and a restore feeds it to the restore command on stdin, but only once the
//! operator accepted that it cannot be kept aside or rolled back (`--accept exec:NAME`).

use crate::common::backup::*;
use crate::common::restore::*;
use crate::common::testbed::shared_stack;
use crate::common::*;

fn profile(dir: &std::path::Path, project: &str) -> std::path::PathBuf {
    let p = dir.join("exec-profile.toml");
    std::fs::write(
        &p,
        format!(
            r#"name = "exec-lab"
project = "{project}"
archive_prefix = "exec-lab"

[[component]]
name = "notes"
kind = "exec"
containers = ["{{project}}-backend"]
file = "notes.bin"
dump_command = ["sh", "-c", "cat /tmp/lifeboat-exec-notes"]
restore_command = ["sh", "-c", "cat > /tmp/lifeboat-exec-notes"]
"#
        ),
    )
    .unwrap();
    p
}

#[test]
fn an_exec_component_round_trips_only_with_its_waiver() {
    let stack = shared_stack("lbt-restore");
    let _g = serial();
    let env = Env::new(stack);
    let prof = profile(env.dir.path(), &stack.project);
    let prof = prof.to_str().unwrap();
    let sum = |s: &crate::common::testbed::Stack| {
        stdout(&s.sh("backend", "sha256sum < /tmp/lifeboat-exec-notes"))
            .trim()
            .to_string()
    };
    let o = stack.sh(
        "backend",
        "head -c 300000 /dev/urandom > /tmp/lifeboat-exec-notes",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let original = sum(stack);
    let o = env.backup(&["--profile", prof]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let archive = env.archive();
    let x = extract(&archive, &env.dir.path().join("x"));
    let o = sh(&x, "sha256sum < notes.bin");
    assert_eq!(
        stdout(&o).trim(),
        original,
        "the dump's bytes, archived unchanged"
    );

    assert!(
        stack
            .sh("backend", "echo changed > /tmp/lifeboat-exec-notes")
            .status
            .success()
    );
    let o = restore(&env, &archive, &["--profile", prof, "--force"]);
    assert_eq!(code(&o), 1, "refused without the waiver: {}", stderr(&o));
    assert!(error_line(&o).contains("exec:notes"), "{}", error_line(&o));
    assert_ne!(sum(stack), original, "nothing ran");
    let o = restore(
        &env,
        &archive,
        &["--profile", prof, "--force", "--accept", "exec:notes"],
    );
    assert_eq!(
        code(&o),
        3,
        "restored with a waiver: {}{}",
        stdout(&o),
        stderr(&o)
    );
    assert_eq!(sum(stack), original);
    assert!(
        stack
            .sh("backend", "rm -f /tmp/lifeboat-exec-notes")
            .status
            .success()
    );
}
