//! `lifeboat backup`: the runbook's flags, DESIGN.md's selection rules, the plan (`--dry-run`
//! prints it after checking everything for real), the host lock, one line in runs.jsonl.

use std::collections::BTreeMap;

use serde_json::json;

use crate::cli::args::BackupArgs;
use crate::cli::render::{self, Session, size};
use crate::cli::{Context, exit, fail, output, signals};
use crate::engine::backup::{self, BackupOutcome, LockedRequest};
use crate::engine::docker::Docker;
use crate::engine::error::{Error, ErrorKind, Result};
use crate::engine::lock::HostLock;
use crate::engine::plan::{self, BackupPlan, CheckStatus, Selection};
use crate::engine::runs::{self, Run};
use crate::engine::stack;
use crate::engine::text::sanitize_max;

pub fn run(ctx: &Context, args: &BackupArgs) -> u8 {
    let start = jiff::Timestamp::now();
    let profile = match stack::load(
        args.profile.as_deref(),
        &ctx.config.config,
        args.project.as_deref(),
    ) {
        Ok(p) => p,
        Err(e) => return failed(ctx, &e),
    };
    let (code, reason, archive) = match execute(ctx, args, &profile) {
        Ok(r) => r,
        Err(e) => {
            let code = error_code(&e);
            fail(&e, ctx.json);
            (code, Some(e.to_string()), None)
        }
    };
    if !args.dry_run
        && let Some(state) = &ctx.locations.state
    {
        let run = Run {
            start: start.to_string(),
            end: jiff::Timestamp::now().to_string(),
            profile: profile.name.clone(),
            exit_code: code,
            reason,
            archive,
        };
        let _ = runs::append(state, &run);
    }
    code
}

fn failed(ctx: &Context, e: &Error) -> u8 {
    fail(e, ctx.json);
    error_code(e)
}

fn error_code(e: &Error) -> u8 {
    match (e.kind(), signals::received()) {
        (ErrorKind::Cancelled, Some(sig)) => signals::exit_code(sig),
        (kind, _) => exit::for_backup_error(kind),
    }
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

type Ran = (u8, Option<String>, Option<std::path::PathBuf>);

fn execute(ctx: &Context, args: &BackupArgs, profile: &stack::Profile) -> Result<Ran> {
    let chosen = plan::select(profile, &selection(args))?;
    let state = ctx.locations.require_state()?.to_path_buf();
    let output_dir = args.output_dir.clone().unwrap_or_else(|| {
        ctx.locations
            .default_output(&ctx.config.config, &profile.name)
    });
    let staging = ctx
        .locations
        .staging
        .clone()
        .unwrap_or_else(|| state.join("staging"));
    let session = Session::start(ctx.render_mode());
    let cancel = signals::token();
    let result = crate::cli::block_on(async {
        let docker = Docker::connect().await?;
        if args.dry_run {
            let lock = HostLock::try_acquire(&ctx.locations.lock, "lifeboat backup --dry-run");
            let mut p = plan::plan(&docker, profile, &chosen, &output_dir, &staging).await;
            p.checks.push(match lock {
                Ok(_) => plan_check(
                    "lock",
                    CheckStatus::Ok,
                    format!("{} is free", ctx.locations.lock.display()),
                ),
                Err(e) => plan_check("lock", CheckStatus::Fail, e.to_string()),
            });
            // The real run refuses (15) while an interrupted restore is unsettled.
            if let Some(r) = crate::engine::journal::unsettled(&state)?.first() {
                p.checks.push(plan_check(
                    "journal",
                    CheckStatus::Fail,
                    crate::engine::journal::refuse(r).to_string(),
                ));
            }
            return Ok(Err(p));
        }
        let mut options = BTreeMap::new();
        options.insert("include_models".into(), json!(args.include_models));
        options.insert("skip".into(), json!(selection(args).skip));
        options.insert("only".into(), json!(args.only));
        let req = LockedRequest {
            profile,
            components: chosen.clone(),
            output_dir: output_dir.clone(),
            staging: staging.clone(),
            state: state.clone(),
            lock: ctx.locations.lock.clone(),
            holder: "lifeboat backup",
            options,
        };
        backup::run_locked(&docker, &req, session.reporter(), &cancel)
            .await
            .map(Ok)
    });
    session.finish();
    match result? {
        Err(plan) => Ok((print_plan(ctx, &plan), None, None)),
        Ok(outcome) => Ok(summarize(ctx, &outcome)),
    }
}

fn plan_check(id: &str, status: CheckStatus, detail: String) -> plan::Check {
    plan::Check {
        id: id.into(),
        label: "the host lock".into(),
        status,
        detail,
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

fn summarize(ctx: &Context, o: &BackupOutcome) -> Ran {
    let Some(c) = &o.committed else {
        return (exit::ERROR, Some("nothing committed".into()), None);
    };
    let code = exit::for_backup(o);
    let reason = o.reason();
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
    (code, reason, Some(c.archive.clone()))
}
