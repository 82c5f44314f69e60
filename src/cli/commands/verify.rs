//! `lifeboat verify PATH`: one archive, its sidecar, or a folder of archives.

use crate::cli::args::VerifyArgs;
use crate::cli::context::{Context, fail};
use crate::cli::output;
use crate::cli::render::{self, Session, size};
use crate::engine::exit;
use crate::engine::text::{sanitize, sanitize_max};
use crate::engine::verify::{self, Verdict, VerifyOptions, VerifyState};

pub fn run(ctx: &Context, args: &VerifyArgs) -> u8 {
    let targets = match verify::targets(&args.path) {
        Ok(t) => t,
        Err(e) => {
            fail(&e, ctx.json);
            return exit::for_error(e.kind());
        }
    };
    if targets.is_empty() {
        output::err(&format!(
            "lifeboat: {}: no archives in this folder",
            args.path.display()
        ));
        return exit::OK;
    }
    let index = ctx.index();
    let session = Session::start(ctx.render_mode());
    let cancel = crate::cli::signals::token();
    let opts = VerifyOptions {
        sidecar_only: args.sidecar_only,
    };
    let mut codes = Vec::new();
    let mut failures = Vec::new();
    for t in &targets {
        if cancel.is_cancelled() {
            break;
        }
        let v = verify::verify_target(t, opts, index.as_ref(), session.reporter(), &cancel);
        session.flush();
        let code = match (v.state, crate::cli::signals::received()) {
            // The run's code, not "cancelled by the operator" (20): a signal stopped it.
            (VerifyState::Cancelled, Some(sig)) => crate::cli::signals::exit_code(sig),
            (state, _) => exit::for_verify(state),
        };
        if code != exit::OK && code != exit::WARNINGS && v.state != VerifyState::Cancelled {
            failures.push(verify::summary_line(&v));
        }
        codes.push(code);
        if ctx.json {
            render::json_print(&VerdictEvent {
                event: "verdict",
                verdict: &v,
                code,
            });
        } else {
            print_verdict(&v);
        }
    }
    session.finish();
    let code = exit::worst(codes);
    if let Some(first) = failures.first() {
        let more = if failures.len() > 1 {
            format!(" (and {} more)", failures.len() - 1)
        } else {
            String::new()
        };
        output::err(&format!(
            "lifeboat: verify failed: {}{more}",
            sanitize_max(first, 1000)
        ));
    }
    code
}

#[derive(serde::Serialize)]
struct VerdictEvent<'a> {
    event: &'static str,
    #[serde(flatten)]
    verdict: &'a Verdict,
    code: u8,
}

fn print_verdict(v: &Verdict) {
    let name = v
        .archive
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let head = match v.state {
        VerifyState::Verified if v.sidecar_only => "OK (sidecar)",
        VerifyState::Verified => "OK",
        VerifyState::Warnings => "OK with warnings",
        VerifyState::Mismatch => "MISMATCH",
        VerifyState::NotCommitted => "NOT COMMITTED",
        VerifyState::Orphan => "ORPHAN",
        VerifyState::NotFound => "NOT FOUND",
        VerifyState::Error => "ERROR",
        VerifyState::Cancelled => "CANCELLED",
    };
    let facts = match (v.format, v.size) {
        (Some(f), Some(s)) => format!(
            " (format {f}, {}, {} components)",
            size(s),
            v.components.len()
        ),
        (None, Some(s)) => format!(" ({})", size(s)),
        _ => String::new(),
    };
    output::out(&format!("{head:<16} {name}{facts}"));
    if let Some(r) = &v.reason {
        output::out(&format!("  {}", sanitize_max(r, 1000)));
    }
    for c in &v.components {
        let sz = c.size.map(size).unwrap_or_default();
        output::out(&format!(
            "  {:<16} {:<28} {sz:>12}",
            sanitize(&c.name),
            sanitize(&c.file)
        ));
    }
    for w in &v.warnings {
        output::out(&format!("  warning: {}", sanitize_max(w, 1000)));
    }
    for n in &v.notes {
        output::out(&format!("  note: {}", sanitize_max(n, 1000)));
    }
}
