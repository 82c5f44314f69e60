//! The command line (clap). Flags mirror the T.A.R.S. runbook where it has them.

use std::path::PathBuf;

use clap::{Args as ClapArgs, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "lifeboat",
    version,
    about = "Recovery console for self-hosted AI stacks in Docker: trusted backups, verified restores",
    long_about = "Without a command lifeboat opens the console. With one, it runs that command for cron and \
                  scripts. Exit codes: docs/exit-codes.md; --json output: docs/json.md."
)]
pub struct Args {
    /// Config file (else $LIFEBOAT_CONFIG, /etc/lifeboat/config.toml, the user config folder).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Machine output: one JSON object per line on stdout, ending with {"v":1,"event":"exit",...}.
    #[arg(long, global = true)]
    pub json: bool,
    /// No progress bars or progress lines (warnings and results still print).
    #[arg(long, global = true)]
    pub no_progress: bool,
    /// Console: a backup folder to show besides the config's (repeatable).
    #[arg(long = "dir", value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Console: no colours (selection shown reversed). A non-empty NO_COLOR does the same.
    #[arg(long)]
    pub no_color: bool,
    /// Console: ASCII only (no box drawing or other unicode glyphs), for bare consoles.
    #[arg(long)]
    pub ascii: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Prove archives intact: sidecar, every entry, every component hash.
    Verify(VerifyArgs),
    /// List the archives in backup folders, newest first, with their state.
    List(ListArgs),
    /// Show an archive's manifest.
    Inspect(InspectArgs),
    /// Show the stack: containers, health, data size, logins, last backup, last failed run.
    Status(StatusArgs),
    /// Back up the stack's components into a verified-format archive.
    Backup(BackupArgs),
    /// Restore components from an archive: verified, staged, checked, all-or-nothing.
    Restore(RestoreArgs),
    /// Start again the containers a killed lifeboat left stopped (for @reboot and cron).
    Recover,
    /// Delete old archives by a retention rule (prints its plan; deletes only with --yes).
    Prune(PruneArgs),
}

#[derive(Debug, ClapArgs)]
pub struct PruneArgs {
    /// Keep the newest N committed archives of each profile in each backup folder (the
    /// newest verified one is always kept too).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub keep_last: Option<u64>,
    /// Also delete dismissed safety backups at least DAYS old (pinned ones and the newest
    /// restore's are never deleted).
    #[arg(long, value_name = "DAYS")]
    pub safety_older_than: Option<u64>,
    /// Backup folders (default: the config's backup_dirs and output folder).
    #[arg(long = "dir", value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Delete; without it prune only prints what it would delete.
    #[arg(long)]
    pub yes: bool,
    /// Unpin the safety backup of restore RESTORE_ID, so that a later prune may delete it.
    #[arg(long, value_name = "RESTORE_ID",
          conflicts_with_all = ["keep_last", "safety_older_than", "yes", "dirs"])]
    pub dismiss: Option<String>,
}

#[derive(Debug, ClapArgs)]
pub struct VerifyArgs {
    /// An archive (.tar.gz), its sidecar, or a folder of archives.
    pub path: PathBuf,
    /// Only check the archive against its sidecar (one fast hash; nothing inside is read).
    #[arg(long)]
    pub sidecar_only: bool,
}

#[derive(Debug, ClapArgs)]
pub struct ListArgs {
    /// Backup folders (default: the config's backup_dirs and output folder).
    pub dirs: Vec<PathBuf>,
}

#[derive(Debug, ClapArgs)]
pub struct InspectArgs {
    /// An archive (.tar.gz) or a manifest copy (.tar.gz.manifest.json).
    pub file: PathBuf,
}

#[derive(Debug, ClapArgs)]
pub struct StatusArgs {
    /// A built-in profile name or a profile file (default: the config's, else tars-home).
    #[arg(long, value_name = "NAME|FILE")]
    pub profile: Option<String>,
    /// The {project} prefix of container and volume names (default: the profile's).
    #[arg(long, value_name = "NAME")]
    pub project: Option<String>,
}

#[derive(Debug, ClapArgs)]
pub struct BackupArgs {
    /// A built-in profile name or a profile file (default: the config's, else tars-home).
    #[arg(long, value_name = "NAME|FILE")]
    pub profile: Option<String>,
    /// The {project} prefix of container and volume names (default: the profile's).
    #[arg(long, value_name = "NAME")]
    pub project: Option<String>,
    /// Where the archive goes (default: the config's output_dir, else /var/backups/lifeboat/<profile>).
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<std::path::PathBuf>,
    /// Also back up the Ollama models volume (large).
    #[arg(long)]
    pub include_models: bool,
    #[arg(long)]
    pub skip_chromadb: bool,
    #[arg(long)]
    pub skip_postgres: bool,
    #[arg(long)]
    pub skip_redis: bool,
    /// Leave a component out (repeatable).
    #[arg(long, value_name = "NAME")]
    pub skip: Vec<String>,
    /// Back up only these components (repeatable; replaces the profile's defaults).
    #[arg(long, value_name = "NAME")]
    pub only: Vec<String>,
    /// Check everything for real (Docker, containers, credentials, disk, lock), print the plan,
    /// change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, ClapArgs)]
pub struct RestoreArgs {
    /// The archive to restore from.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present_any = ["apply_config", "undo", "rollback", "resume"]
    )]
    pub backup_file: Option<std::path::PathBuf>,
    /// Put back what a committed restore replaced, from its safety backup (default: the
    /// newest restore that took one). Takes its own safety backup first.
    #[arg(long, value_name = "RESTORE_ID", num_args = 0..=1, default_missing_value = "",
          conflicts_with_all = ["backup_file", "apply_config", "rollback", "resume"])]
    pub undo: Option<String>,
    /// Settle an interrupted restore by putting the old data of every component it touched
    /// back (the safe default).
    #[arg(long, value_name = "RESTORE_ID",
          conflicts_with_all = ["backup_file", "apply_config", "resume"])]
    pub rollback: Option<String>,
    /// Settle an interrupted restore by keeping what it swapped and checked, putting back what
    /// it caught half-way, then restoring the rest from the same archive (same bytes).
    #[arg(long, value_name = "RESTORE_ID", conflicts_with_all = ["backup_file", "apply_config"])]
    pub resume: Option<String>,
    /// Swap in the configuration files a restore wrote beside the live ones
    /// (`<file>.restored-ID`); the live files are kept as `<file>.pre-ID`.
    #[arg(long, value_name = "RESTORE_ID", conflicts_with = "backup_file")]
    pub apply_config: Option<String>,
    /// A built-in profile name or a profile file (default: the archive's, else the config's).
    #[arg(long, value_name = "NAME|FILE")]
    pub profile: Option<String>,
    /// The {project} prefix of container and volume names (default: the profile's).
    #[arg(long, value_name = "NAME")]
    pub project: Option<String>,
    /// Restore only these components (repeatable; replaces the default set).
    #[arg(long, visible_alias = "only", value_name = "NAME")]
    pub component: Vec<String>,
    /// Leave a component out (repeatable).
    #[arg(long, value_name = "NAME")]
    pub skip: Vec<String>,
    /// Also restore the configuration files: written beside the live ones, never over them.
    #[arg(long)]
    pub restore_config: bool,
    /// Check everything for real (archive staged and verified, checklist), change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// No typed confirmation (required without a terminal).
    #[arg(long)]
    pub force: bool,
    /// Waive a waivable checklist item by its id (repeatable; see docs/runbook.md).
    #[arg(long, value_name = "ID")]
    pub accept: Vec<String>,
    /// Commit the components that passed even when another fails (exit 2).
    #[arg(long)]
    pub keep_partial: bool,
    /// Go on without a matching sidecar (with --force only): every entry and component hash
    /// must still be perfect; the waiver is shown as checklist item `sidecar` (exit 3).
    #[arg(long)]
    pub skip_validation: bool,
}
