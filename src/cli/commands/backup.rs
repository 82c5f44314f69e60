//! `lifeboat backup`: the runbook's flags turned into a backup job for the engine's driver
//! (`engine::backup_job`: the lock, the run, its line in runs.jsonl), the plan `--dry-run`
//! prints after checking everything for real, and the summary.

use serde_json::json;

use crate::cli::args::BackupArgs;
use crate::cli::context::{Context, fail};
use crate::cli::render::{self, Session, size};
use crate::cli::{output, signals};
use crate::engine::backup::BackupOutcome;
use crate::engine::backup_job::{self, Job};
use crate::engine::exit;
use crate::engine::host::Host;
use crate::engine::plan::{BackupPlan, CheckStatus, Selection};
use crate::engine::text::sanitize_max;

pub fn run(ctx: &Context, args: &BackupArgs) -> u8 {
    let host = Host::new(ctx.config.config.clone(), ctx.locations.clone());
    let job = Job {
        profile: args.profile.clone(),
        project: args.project.clone(),
        selection: selection(args),
        output_dir: args.output_dir.clone(),
        holder: if args.dry_run {
            "lifeboat backup --dry-run"
        } else {
            "lifeboat backup"
        }
        .into(),
        signalled: Some(signals::received),
    };
    if args.dry_run {
        return match crate::cli::context::block_on(backup_job::dry_run(&host, &job)) {
            Ok(plan) => print_plan(ctx, &plan),
            Err(e) => {
                fail(&e, ctx.json);
                exit::for_backup_error(e.kind())
            }
        };
    }
    let session = Session::start(ctx.render_mode());
    let cancel = signals::token();
    let ran = crate::cli::context::block_on(async {
        Ok(backup_job::backup(&host, &job, session.reporter(), &cancel).await)
    });
    session.finish();
    let ran = match ran {
        Ok(r) => r,
        Err(e) => {
            fail(&e, ctx.json);
            return exit::ERROR;
        }
    };
    match &ran.outcome {
        Ok(o) => summarize(ctx, o, ran.code),
        Err(e) => fail(e, ctx.json),
    }
    ran.code
}

fn selection(args: &BackupArgs) -> Selection {
    let mut skip = args.skip.clone();
    for (flag, name) in [
        (args.skip_chromadb, "chromadb"),
        (args.skip_postgres, "postgres"),
        (args.skip_redis, "redis"),
    ] {
        if flag {
            skip.push(name.to_string());
        }
    }
    Selection {
        only: args.only.clone(),
        skip,
        include_models: args.include_models,
    }
}

fn print_plan(ctx: &Context, p: &BackupPlan) -> u8 {
    let code = match p.checks.iter().map(|c| c.status).max_by_key(|s| *s as u8) {
        Some(CheckStatus::Fail) => exit::ERROR,
        Some(CheckStatus::Warn) => exit::WARNINGS,
        _ => exit::OK,
    };
    if ctx.json {
        render::json_print(&json!({"event": "plan", "plan": p}));
        return code;
    }
    output::out(&format!(
        "Backup plan (dry run: nothing was changed) for {} (project {})",
        p.profile, p.project
    ));
    output::out(&format!("  output: {}", p.output_dir.display()));
    for c in &p.components {
        let est = c.estimate.map(size).unwrap_or_else(|| "?".into());
        let stops = if c.stops.is_empty() {
            String::new()
        } else {
            format!("; stops {}", c.stops.join(", "))
        };
        output::out(&format!(
            "  + {:<14} {:<9} -> {:<24} about {est}{stops}",
            c.name,
            c.kind.as_str(),
            c.file
        ));
    }
    output::out("Checks");
    for c in &p.checks {
        let word = match c.status {
            CheckStatus::Ok => "ok",
            CheckStatus::Warn => "WARN",
            CheckStatus::Fail => "FAIL",
        };
        output::out(&format!(
            "  [{word:>4}] {}: {}",
            c.label,
            sanitize_max(&c.detail, 300)
        ));
    }
    code
}

fn summarize(ctx: &Context, o: &BackupOutcome, code: u8) {
    let Some(c) = &o.committed else {
        return;
    };
    if ctx.json {
        let failed: Vec<_> = o
            .failed
            .iter()
            .map(|(n, r, _)| json!({"component": n, "reason": r}))
            .collect();
        render::json_print(
            &json!({"event": "backup", "archive": c.archive, "size": c.size, "components": o.captured, "failed": failed, "warnings": o.warnings, "restarted": o.restarted}),
        );
    } else {
        output::out(&format!(
            "Backup committed: {} ({})",
            c.archive.display(),
            size(c.size)
        ));
        output::out(&format!("  components: {}", o.captured.join(", ")));
        if !o.restarted.is_empty() {
            output::out(&format!(
                "  stopped for a consistent copy and started again: {}",
                o.restarted.join(", ")
            ));
        }
        for (n, r, _) in &o.failed {
            output::out(&format!("  FAILED {n}: {}", sanitize_max(r, 500)));
        }
        for w in &o.warnings {
            output::out(&format!("  warning: {}", sanitize_max(w, 500)));
        }
    }
    if code == exit::PARTIAL {
        output::err(&format!(
            "lifeboat: backup committed without {}",
            o.failed
                .iter()
                .map(|(n, _, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
}
