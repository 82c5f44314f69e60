//! The binary's entry: the arguments parsed, the command run (or the console opened), the
//! exit code given, after a signal's own.

use std::process::ExitCode;

use clap::Parser;

use crate::cli::args::{Args, Command};
use crate::cli::context::{Context, fail};
use crate::cli::{commands, logging, output, render, signals};
use crate::engine::Error;
use crate::engine::config;
use crate::engine::exit;
use crate::engine::state::Locations;

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::ERROR
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let json = args.json;
    signals::set_json(json);
    // The console handles its own signals: it must restore the terminal before exiting,
    // which the command line's "second signal exits at once" would skip.
    if args.command.is_some() {
        signals::install();
    }
    let mut code = run(args);
    if let Some(sig) = signals::received() {
        output::err(&format!("lifeboat: stopped by {}", signals::name(sig)));
        code = signals::exit_code(sig);
    }
    if json {
        render::json_print(&ExitEvent {
            event: "exit",
            code,
        });
    }
    if std::env::var_os("LIFEBOAT_IO_STATS").is_some_and(|v| v == "1") {
        print_io_stats();
    }
    ExitCode::from(code)
}

#[derive(serde::Serialize)]
struct ExitEvent {
    event: &'static str,
    code: u8,
}

/// `LIFEBOAT_IO_STATS=1`: this process's I/O counters from /proc/self/io, for the benchmarks
/// (one read of an archive means `rchar` close to its size).
fn print_io_stats() {
    if let Ok(io) = std::fs::read_to_string("/proc/self/io") {
        let fields: Vec<String> = io
            .lines()
            .filter_map(|l| l.split_once(": ").map(|(k, v)| format!("{k}={v}")))
            .collect();
        output::err(&format!("io: {}", fields.join(" ")));
    }
}

fn run(args: Args) -> u8 {
    if args.command.is_some() && !args.dirs.is_empty() {
        // Silently ignoring a folder would show the operator less than they asked for.
        let e = Error::Usage("--dir is for the console; give `list` or `verify` the folder".into());
        fail(&e, args.json);
        return exit::ERROR;
    }
    if args.command.is_none() {
        let refusal = if args.json {
            Some("--json needs a command; the console is for a terminal")
        } else {
            crate::tui::refusal()
        };
        if let Some(why) = refusal {
            fail(&Error::Usage(why.into()), args.json);
            return exit::ERROR;
        }
    }
    let config = match config::load(args.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            fail(&e, args.json);
            return exit::ERROR;
        }
    };
    let locations = Locations::resolve(&config.config);
    logging::init(&locations);
    let ctx = Context {
        config,
        locations,
        json: args.json,
        no_progress: args.no_progress,
    };
    let Some(command) = args.command else {
        return console(&ctx, args.dirs, args.no_color, args.ascii);
    };
    match command {
        Command::Verify(a) => commands::verify::run(&ctx, &a),
        Command::List(a) => commands::list::run(&ctx, &a),
        Command::Inspect(a) => commands::inspect::run(&ctx, &a),
        Command::Status(a) => commands::status::run(&ctx, &a),
        Command::Backup(a) => commands::backup::run(&ctx, &a),
        Command::Restore(a) => commands::restore::run(&ctx, &a),
        Command::Recover => commands::recover::run(&ctx),
        Command::Prune(a) => commands::prune::run(&ctx, &a),
    }
}

/// `lifeboat` without a command: the console over `--dir` folders and the configured ones.
fn console(ctx: &Context, dirs: Vec<std::path::PathBuf>, no_color: bool, ascii: bool) -> u8 {
    let mut folders: Vec<(std::path::PathBuf, bool)> = Vec::new();
    for d in dirs {
        if !folders.iter().any(|(f, _)| *f == d) {
            folders.push((d, true));
        }
    }
    for d in commands::list::configured_dirs(ctx) {
        if !folders.iter().any(|(f, _)| *f == d) {
            folders.push((d, false));
        }
    }
    // Any non-empty NO_COLOR turns colours off (no-color.org).
    let no_color = no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    crate::tui::run(crate::tui::Options {
        folders,
        index: ctx.index(),
        no_color,
        ascii,
        config: ctx.config.config.clone(),
        locations: ctx.locations.clone(),
    })
}
