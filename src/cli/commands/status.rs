//! `lifeboat status`: the stack as Docker sees it, with the last backup and the last failed run.

use crate::cli::args::StatusArgs;
use crate::cli::context::{Context, fail};
use crate::cli::output;
use crate::cli::render::{self, size};
use crate::engine::catalog;
use crate::engine::error::Result;
use crate::engine::exit;
use crate::engine::host::Host;
use crate::engine::status::{self, Login, StackStatus, Verdict};
use crate::engine::text::sanitize;

pub fn run(ctx: &Context, args: &StatusArgs) -> u8 {
    match gather(ctx, args) {
        Ok(st) => {
            if ctx.json {
                render::json_print(&Event {
                    event: "status",
                    status: &st,
                });
            } else {
                print(&st);
            }
            let code = match st.verdict() {
                Verdict::Healthy => exit::OK,
                Verdict::Degraded => exit::WARNINGS,
                Verdict::CredentialRejected => exit::SECRET,
            };
            if code != exit::OK {
                let first = st.components.iter().find_map(|c| match &c.login {
                    Login::Rejected(m) | Login::Failed(m) => Some(m.clone()),
                    _ => c
                        .problem
                        .as_ref()
                        .map(|p| format!("component {}: {p}", c.name)),
                });
                output::err(&format!(
                    "lifeboat: status: {}",
                    first.unwrap_or_else(|| "not healthy".into())
                ));
            }
            code
        }
        Err(e) => {
            fail(&e, ctx.json);
            exit::for_error(e.kind())
        }
    }
}

#[derive(serde::Serialize)]
struct Event<'a> {
    event: &'static str,
    #[serde(flatten)]
    status: &'a StackStatus,
}

fn gather(ctx: &Context, args: &StatusArgs) -> Result<StackStatus> {
    let host = Host::new(ctx.config.config.clone(), ctx.locations.clone());
    let index = ctx.index();
    crate::cli::context::block_on(status::check(
        &host,
        args.profile.as_deref(),
        args.project.as_deref(),
        index.as_ref(),
        &crate::cli::signals::token(),
    ))
}

fn print(st: &StackStatus) {
    output::out(&format!(
        "Stack {} (project {}), Docker {} at {}",
        st.profile, st.project, st.engine_version, st.endpoint
    ));
    output::out(&format!(
        "  {:<14} {:<26} {:<10} {:<10} {:<30} {:>10}  LOGIN",
        "COMPONENT", "CONTAINER", "STATE", "HEALTH", "DATA", "SIZE"
    ));
    for c in &st.components {
        let login = match &c.login {
            Login::Ok => "ok",
            Login::Rejected(_) => "REJECTED",
            Login::Failed(_) => "check failed",
            Login::NotChecked => "-",
        };
        let data = c.data.clone().unwrap_or_else(|| "-".into());
        let sz = c.data_bytes.map(size).unwrap_or_else(|| "-".into());
        let first = c.containers.first();
        let (name, state, health) = match first {
            Some(k) => (
                k.name.as_str(),
                k.state.as_str(),
                k.health.as_deref().unwrap_or("-"),
            ),
            None => ("(host files)", "-", "-"),
        };
        output::out(&format!(
            "  {:<14} {:<26} {:<10} {:<10} {:<30} {:>10}  {login}",
            c.name,
            name,
            state,
            health,
            sanitize(&data),
            sz
        ));
        for k in c.containers.iter().skip(1) {
            output::out(&format!(
                "  {:<14} {:<26} {:<10} {:<10}",
                "",
                k.name,
                k.state,
                k.health.as_deref().unwrap_or("-")
            ));
        }
        if let Some(p) = &c.problem {
            output::out(&format!("    ! {}", sanitize(p)));
        }
        if let Login::Rejected(m) | Login::Failed(m) = &c.login {
            output::out(&format!("    ! {}", sanitize(m)));
        }
    }
    match &st.last_backup {
        Some(b) => {
            let age = b.age_seconds.map(|s| {
                catalog::age(
                    jiff::Timestamp::now(),
                    jiff::Timestamp::now() - jiff::SignedDuration::from_secs(s),
                )
            });
            output::out(&format!(
                "Last committed backup: {} ago ({})",
                age.unwrap_or_else(|| "?".into()),
                b.file
            ));
        }
        None => output::out("Last committed backup: none found"),
    }
    if let Some(r) = &st.last_failed_run {
        output::out(&format!(
            "Last failed run: {} exit {}: {}",
            r.start,
            r.exit_code,
            sanitize(r.reason.as_deref().unwrap_or("-"))
        ));
    }
    for h in &st.held_stopped {
        output::out(&format!(
            "Held stopped by lifeboat: {} (since {}, {}); `lifeboat recover` starts it",
            h.container, h.since, h.purpose
        ));
    }
}
