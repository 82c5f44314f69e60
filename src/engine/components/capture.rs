//! Capturing one component: the kind's capture, chosen by the component's kind.

use super::ctx::{Captured, Ctx};
use super::{chroma, exec, files, postgres, redis, volume};
use crate::engine::error::{Error, Result};
use crate::engine::stack::{Component, Kind};

/// Captures `c` with the adapter of its kind.
pub async fn capture(ctx: &Ctx<'_>, c: &Component) -> Result<Captured> {
    if ctx.cancel.is_cancelled() {
        return Err(Error::Cancelled);
    }
    match c.kind {
        Kind::Postgres => postgres::capture(ctx, c).await,
        Kind::Redis => redis::capture(ctx, c).await,
        Kind::Chroma => chroma::capture(ctx, c).await,
        Kind::Volume => volume::capture(ctx, c).await,
        Kind::Files => files::capture(ctx, c).await,
        Kind::Exec => exec::capture(ctx, c).await,
    }
}
