//! The restore driver on the scripted engine (`engine::docker::fake`): the run order, the
//! all-or-nothing rule, cancels, every journal transition and every checklist refusal, without
//! Docker, in milliseconds. The integration tests prove the same code against real servers.

mod bench;
mod redis;
mod refusals;
mod runs;
mod settles;
