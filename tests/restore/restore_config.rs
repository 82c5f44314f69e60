//! `--restore-config` and `--apply-config`: configuration files come back beside the live ones,
//! never over them; a line-based env file is merged (archived settings, live secrets); a secret
//! the live file lacks keeps its placeholder and is named in the checklist; applying refuses
//! while a placeholder remains, then swaps the files in and keeps the live ones aside.

use std::path::{Path, PathBuf};

use crate::common::backup::*;
use crate::common::restore::*;
use crate::common::testbed::shared_stack;
use crate::common::*;

/// The stack's deploy folder, put back as it was when the test ends, however it ends.
struct DeployGuard {
    dir: PathBuf,
    saved: Vec<(PathBuf, Vec<u8>)>,
}

impl DeployGuard {
    fn new(dir: &Path) -> DeployGuard {
        let saved = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .filter(|e| e.path().is_file())
            .map(|e| (e.path(), std::fs::read(e.path()).unwrap()))
            .collect();
        DeployGuard {
            dir: dir.to_path_buf(),
            saved,
        }
    }
}

impl Drop for DeployGuard {
    fn drop(&mut self) {
        for e in std::fs::read_dir(&self.dir).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.contains(".restored-") || name.contains(".pre-") {
                let _ = std::fs::remove_file(e.path());
            }
        }
        for (p, bytes) in &self.saved {
            let _ = std::fs::write(p, bytes);
        }
    }
}

fn set_line(file: &Path, key: &str, line: Option<&str>) {
    let text = std::fs::read_to_string(file).unwrap();
    let mut out: Vec<String> = text
        .lines()
        .filter(|l| !l.starts_with(&format!("{key}=")))
        .map(str::to_string)
        .collect();
    if let Some(l) = line {
        out.push(l.to_string());
    }
    std::fs::write(file, out.join("\n") + "\n").unwrap();
}

fn value(file: &Path, key: &str) -> Option<String> {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")).map(str::to_string))
}

#[test]
fn configuration_comes_back_beside_the_live_files_and_is_applied_only_without_placeholders() {
    let stack = shared_stack("lbt-restore");
    let _g = serial();
    let _guard = DeployGuard::new(&stack.deploy);
    let env_file = stack.deploy.join(format!("{}.env", stack.project));
    let env = Env::new(stack);
    let jwt_at_backup = value(&env_file, "TARS_JWT_SECRET").unwrap();
    assert_eq!(code(&env.backup(&["--only", "configuration"])), 0);
    let archive = env.archive();

    // Since the backup: a setting changed, a secret rotated, a secret line lost.
    set_line(&env_file, "LOG_LEVEL", Some("LOG_LEVEL=trace"));
    set_line(
        &env_file,
        "TARS_JWT_SECRET",
        Some("TARS_JWT_SECRET=rotated-after-the-backup"),
    );
    set_line(&env_file, "WEBHOOK_URL", None);
    let live_before = std::fs::read(&env_file).unwrap();

    let o = restore(&env, &archive, &["--restore-config", "--force", "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let events: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let plan = events
        .iter()
        .find(|v| v["event"] == "restore_plan")
        .unwrap();
    let ids: Vec<&str> = plan["plan"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"secret-needed:configuration:WEBHOOK_URL"),
        "{ids:?}"
    );
    let id = events.iter().find(|v| v["event"] == "restore").unwrap()["outcome"]["restore_id"]
        .as_str()
        .unwrap()
        .to_string();

    assert_eq!(
        std::fs::read(&env_file).unwrap(),
        live_before,
        "the live file is untouched"
    );
    let restored = PathBuf::from(format!("{}.restored-{id}", env_file.display()));
    assert_eq!(
        value(&restored, "LOG_LEVEL").as_deref(),
        Some("info"),
        "the archived setting"
    );
    assert_eq!(
        value(&restored, "TARS_JWT_SECRET").as_deref(),
        Some("rotated-after-the-backup"),
        "the live secret, never the backup's placeholder"
    );
    assert_ne!(value(&restored, "TARS_JWT_SECRET"), Some(jwt_at_backup));
    assert_eq!(
        value(&restored, "WEBHOOK_URL").as_deref(),
        Some("<REDACTED>")
    );
    let mode = std::fs::metadata(&restored).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(mode.permissions().mode() & 0o777, 0o600);

    // Applying refuses while a placeholder remains, and changes nothing.
    let apply = |env: &Env| {
        let mut c = env.lifeboat();
        c.args(["restore", "--apply-config", &id]);
        c.output().unwrap()
    };
    let o = apply(&env);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        error_line(&o).contains("still holds <REDACTED>"),
        "{}",
        error_line(&o)
    );
    assert_eq!(std::fs::read(&env_file).unwrap(), live_before);

    // The operator fills the secret in (and drops the other files' placeholders): applied.
    set_line(
        &restored,
        "WEBHOOK_URL",
        Some("WEBHOOK_URL=https://hooks.example/filled-in"),
    );
    for e in std::fs::read_dir(&stack.deploy).unwrap().flatten() {
        let p = e.path();
        if p != restored
            && std::fs::read_to_string(&p).is_ok_and(|t| t.contains("<REDACTED>"))
            && p.to_string_lossy().contains(".restored-")
        {
            std::fs::remove_file(&p).unwrap();
        }
    }
    let o = apply(&env);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(value(&env_file, "LOG_LEVEL").as_deref(), Some("info"));
    assert_eq!(
        value(&env_file, "WEBHOOK_URL").as_deref(),
        Some("https://hooks.example/filled-in")
    );
    let kept = PathBuf::from(format!("{}.pre-{id}", env_file.display()));
    assert_eq!(
        std::fs::read(&kept).unwrap(),
        live_before,
        "the live file kept aside"
    );
}
