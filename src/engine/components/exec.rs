//! Any dump command run in a container (the `exec` kind): its stdout is the component's file.
//! A non-zero exit fails the component, whatever it printed.

use super::ctx::{Captured, Counting, Ctx, base_details, creds, main_container, step};
use super::pipe;
use crate::engine::docker::ExecRequest;
use crate::engine::error::{Error, Result};
use crate::engine::progress::{Event, StepCounter, StepOutcome};
use crate::engine::stack::Component;

pub async fn capture(ctx: &Ctx<'_>, c: &Component) -> Result<Captured> {
    let info = main_container(ctx, c, true).await?;
    let creds = creds(ctx, c, &info)?;
    let mut req = ExecRequest::new(c.dump_command.clone());
    if let Some(p) = &creds.password {
        req = req.secret("LIFEBOAT_PASSWORD", p);
    }
    let step = step(c);
    ctx.reporter.event(Event::StepStarted {
        step: step.clone(),
        label: format!("{}: {}", c.name, c.dump_command.join(" ")),
        total: None,
    });
    let mut p = pipe::pipe(ctx.spool.file(&c.file)?);
    let mut out = Counting {
        inner: p.writer(),
        counter: StepCounter::new(ctx.reporter, &step, None),
        cancel: ctx.cancel,
    };
    let ran = ctx
        .docker
        .exec(&info.name, ctx.long(req), None, &mut out)
        .await;
    let finished = p.finish().await;
    let result = match (ran, finished) {
        _ if ctx.cancel.is_cancelled() => Err(Error::Cancelled),
        (Err(e), _) | (_, Err(e)) => Err(e),
        (Ok(o), Ok(_)) if !o.success() => Err(Error::Other(format!(
            "component {}: {} exited {}: {}",
            c.name,
            c.dump_command[0],
            o.exit_code,
            o.stderr_line()
        ))),
        (Ok(_), Ok(f)) => Ok(f),
    };
    ctx.reporter.event(Event::StepFinished {
        step,
        outcome: if result.is_ok() {
            StepOutcome::Ok
        } else {
            StepOutcome::Failed
        },
        detail: None,
    });
    let file = result?;
    let details = base_details(ctx, c, &info, "logical_dump").await;
    let mut cap = Captured::new(details);
    cap.add(&file, &c.file, false);
    Ok(cap)
}
