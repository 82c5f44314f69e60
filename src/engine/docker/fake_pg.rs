//! A PostgreSQL server for the scripted engine: databases of tables with row counts, answering
//! the statements lifeboat sends through `psql -c` (versions, row counts, creates, renames,
//! drops), `pg_dump` as a plain dump whose COPY blocks carry the rows, and a dump fed to `psql`
//! on stdin loaded back by its COPY blocks. Enough of a server for a backup and a restore to
//! round-trip through the same code paths as against a real one.

use std::collections::BTreeMap;

use super::ExecRequest;
use super::fake::{Fake, Reply, World};

/// The rows of each table of a database.
pub type Tables = BTreeMap<String, u64>;

/// One server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Server {
    pub version: String,
    pub databases: BTreeMap<String, Tables>,
    pub roles: Vec<String>,
}

/// Every identifier (`"x"`) or literal (`'x'`) quoted in `sql`, in order.
fn quoted(sql: &str, q: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = sql.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch != q {
            continue;
        }
        let mut s = String::new();
        while let Some(c) = chars.next() {
            if c == q {
                if chars.peek() == Some(&q) {
                    chars.next();
                    s.push(q);
                    continue;
                }
                break;
            }
            s.push(c);
        }
        out.push(s);
    }
    out
}

fn arg_after<'a>(cmd: &'a [String], flag: &str) -> Option<&'a str> {
    let i = cmd.iter().position(|a| a == flag)?;
    cmd.get(i + 1).map(String::as_str)
}

/// A plain dump of `tables`: a COPY block per table, one line per row, and pg_dump's last line.
pub fn dump(tables: &Tables) -> Vec<u8> {
    let mut out = String::from("-- PostgreSQL database dump\n");
    for (t, n) in tables {
        out.push_str(&format!("COPY {t} (id) FROM stdin;\n"));
        for i in 0..*n {
            out.push_str(&format!("{i}\n"));
        }
        out.push_str("\\.\n");
    }
    out.push_str("-- PostgreSQL database dump complete\n");
    out.into_bytes()
}

/// The tables a plain dump fed on stdin creates.
fn load(sql: &[u8]) -> Tables {
    let mut c = crate::engine::components::postgres::RowCounter::default();
    c.feed(sql);
    c.rows
}

impl Server {
    fn answer(&mut self, db: &str, sql: &str) -> Reply {
        let names = quoted(sql, '"');
        let literals = quoted(sql, '\'');
        let missing = |n: &str| Reply::fail(1, &format!("ERROR:  database \"{n}\" does not exist"));
        if sql == "SHOW server_version" {
            return Reply::ok(self.version.clone());
        }
        if sql.starts_with("SELECT t, (xpath(") {
            let tables = self.databases.get(db).cloned().unwrap_or_default();
            let lines: Vec<String> = tables.iter().map(|(t, n)| format!("{t}|{n}")).collect();
            return Reply::ok(lines.join("\n"));
        }
        if sql.contains("has_table_privilege") || sql.contains("pg_terminate_backend") {
            return Reply::ok("0");
        }
        if sql.contains("pg_get_userbyid") {
            return Reply::ok("tars");
        }
        if sql.contains("pg_database_size") {
            return Reply::ok("8192");
        }
        if sql.starts_with("SELECT datname FROM pg_catalog.pg_database WHERE starts_with") {
            let prefix = literals.first().cloned().unwrap_or_default();
            let found: Vec<&String> = self
                .databases
                .keys()
                .filter(|d| d.starts_with(&prefix))
                .collect();
            return Reply::ok(
                found
                    .iter()
                    .map(|d| d.as_str())
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
        }
        if sql.starts_with("SELECT datname FROM pg_catalog.pg_database WHERE datname IN") {
            let found: Vec<&String> = literals
                .iter()
                .filter(|d| self.databases.contains_key(*d))
                .collect();
            return Reply::ok(
                found
                    .iter()
                    .map(|d| d.as_str())
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
        }
        if sql.starts_with("SELECT rolname") {
            return Reply::ok(self.roles.join("\n"));
        }
        if sql.starts_with("CREATE ROLE") {
            self.roles.extend(names.first().cloned());
            return Reply::ok("");
        }
        if sql.starts_with("CREATE DATABASE") {
            let Some(n) = names.first() else {
                return Reply::fail(1, "ERROR:  syntax error");
            };
            if self.databases.contains_key(n) {
                return Reply::fail(1, &format!("ERROR:  database \"{n}\" already exists"));
            }
            self.databases.insert(n.clone(), Tables::new());
            return Reply::ok("");
        }
        if sql.starts_with("ALTER DATABASE") && sql.contains(" RENAME TO ") {
            let (Some(from), Some(to)) = (names.first(), names.get(1)) else {
                return Reply::fail(1, "ERROR:  syntax error");
            };
            if self.databases.contains_key(to) {
                return Reply::fail(1, &format!("ERROR:  database \"{to}\" already exists"));
            }
            return match self.databases.remove(from) {
                Some(t) => {
                    self.databases.insert(to.clone(), t);
                    Reply::ok("")
                }
                None => missing(from),
            };
        }
        if sql.starts_with("DROP DATABASE IF EXISTS") {
            if let Some(n) = names.first() {
                self.databases.remove(n);
            }
            return Reply::ok("");
        }
        Reply::ok("")
    }
}

/// Answers `psql`, `pg_dump` and `pg_dumpall` in `container` from `world.pg[container]`.
fn reply(w: &mut World, container: &str, req: &ExecRequest, stdin: &[u8]) -> Option<Reply> {
    let program = req.cmd.first()?.as_str();
    let server = w.pg.get_mut(container)?;
    let db = arg_after(&req.cmd, "-d").unwrap_or("postgres").to_string();
    if program != "pg_dumpall" && !server.databases.contains_key(&db) {
        return Some(Reply::fail(
            2,
            &format!("psql: error: FATAL:  database \"{db}\" does not exist"),
        ));
    }
    match program {
        "psql" => Some(match arg_after(&req.cmd, "-c") {
            Some(sql) => server.answer(&db, sql),
            None => {
                server.databases.insert(db, load(stdin));
                Reply::ok("")
            }
        }),
        "pg_dump" => Some(Reply::ok(dump(&server.databases[&db]))),
        "pg_dumpall" => Some(Reply::ok(
            server
                .roles
                .iter()
                .map(|r| format!("CREATE ROLE {r};\n"))
                .collect::<String>(),
        )),
        _ => None,
    }
}

impl Fake {
    /// A PostgreSQL `version` server in `container` (already added) holding `databases`, with
    /// the maintenance database `postgres`.
    pub fn postgres(&self, container: &str, version: &str, databases: &[(&str, Tables)]) {
        let mut dbs: BTreeMap<String, Tables> = databases
            .iter()
            .map(|(n, t)| (n.to_string(), t.clone()))
            .collect();
        dbs.entry("postgres".into()).or_default();
        self.lock().pg.insert(
            container.to_string(),
            Server {
                version: version.into(),
                databases: dbs,
                roles: vec!["postgres".into(), "tars".into()],
            },
        );
        self.on_exec(reply);
    }

    /// The tables of database `db` of the server in `container` (`None`: no such database).
    pub fn tables(&self, container: &str, db: &str) -> Option<Tables> {
        self.lock().pg.get(container)?.databases.get(db).cloned()
    }
}
