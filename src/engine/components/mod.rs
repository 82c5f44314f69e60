//! One adapter per component kind (docs/design.md section 3): each captures its component into spool
//! files and says what it captured (the manifest's `details`), how (logical dump, stopped copy),
//! and what a restore must find again (the fingerprint).

pub mod capture;
pub mod chroma;
pub mod ctx;
pub mod exec;
pub mod files;
pub mod pipe;
pub mod postgres;
pub mod redis;
pub mod reframe;
pub mod spool;
pub mod volume;

pub use capture::capture;
pub use ctx::{Captured, Ctx, step};
