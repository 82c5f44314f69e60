//! Fingerprints read from the live stack, to set beside what the backup recorded: rows per
//! table, Redis keys and expiries, Chroma collections. The checklist shows them ("messages:
//! live 0 rows, backup 12,340"); after a swap the same reads prove the restore.

use std::collections::BTreeMap;

use serde_json::Value;

use super::ctx::Ctx;
use crate::engine::components::{chroma, postgres, redis};
use crate::engine::credentials::Credentials;
use crate::engine::error::{Error, Result};
use crate::engine::stack::Component;

pub(crate) use crate::engine::components::postgres::psql_on;

/// Runs one SQL statement on `db`; its output, trimmed.
pub async fn sql(
    ctx: &Ctx<'_>,
    c: &Component,
    container: &str,
    creds: &Credentials,
    db: &str,
    statement: &str,
) -> Result<String> {
    let (o, out) = ctx
        .docker
        .exec_capture(container, ctx.short(psql_on(creds, db, Some(statement))))
        .await?;
    if !o.success() {
        return Err(postgres::failure(c, "psql", o.exit_code, o.stderr_line()));
    }
    Ok(String::from_utf8_lossy(&out).trim().to_string())
}

/// A SQL string literal (standard_conforming_strings: only `'` needs doubling).
pub fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A SQL identifier.
pub fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Rows per table of database `db`, for the tables the backup recorded; a table that does
/// not exist is left out. With `live_too`, every other user table of the live database is
/// counted as well (the checklist shows what a restore would drop). Table names travel as
/// literals, resolved by `regclass`: nothing from the archive is ever spliced into SQL as code.
pub async fn pg_rows(
    ctx: &Ctx<'_>,
    c: &Component,
    container: &str,
    creds: &Credentials,
    db: &str,
    tables: &[String],
    live_too: bool,
) -> Result<BTreeMap<String, u64>> {
    if tables.is_empty() && !live_too {
        return Ok(BTreeMap::new());
    }
    let list: Vec<String> = tables.iter().map(|t| literal(t)).collect();
    // Named as pg_dump names them in its COPY lines (the fingerprint's keys); plain tables
    // only (a partitioned parent's rows are its partitions'), none an extension owns.
    let live = if live_too {
        " UNION SELECT format('%I.%I', n.nspname, k.relname) FROM pg_catalog.pg_class k \
         JOIN pg_catalog.pg_namespace n ON n.oid = k.relnamespace WHERE k.relkind = 'r' \
         AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
         AND n.nspname NOT LIKE 'pg\\_%' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d \
         WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = k.oid AND d.deptype = 'e')"
    } else {
        ""
    };
    let q = format!(
        "SELECT t, (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %s', \
         to_regclass(t)), false, true, '')))[1]::text FROM (SELECT unnest(ARRAY[{}]::text[]){live}) \
         AS l(t) WHERE to_regclass(t) IS NOT NULL",
        list.join(",")
    );
    let out = sql(ctx, c, container, creds, db, &q).await?;
    let mut rows = BTreeMap::new();
    for line in out.lines() {
        if let Some((t, n)) = line.rsplit_once('|')
            && let Ok(n) = n.trim().parse()
        {
            rows.insert(t.to_string(), n);
        }
    }
    Ok(rows)
}

/// The recorded `tables` of a postgres fingerprint.
pub fn recorded_tables(fp: Option<&Value>) -> BTreeMap<String, u64> {
    fp.and_then(|f| f.get("tables"))
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_u64()?)))
                .collect()
        })
        .unwrap_or_default()
}

/// Differences between recorded and live rows, one phrase each ("public.messages: live 0
/// rows, backup 12,340"); empty when they agree.
pub fn row_differences(
    recorded: &BTreeMap<String, u64>,
    live: &BTreeMap<String, u64>,
) -> Vec<String> {
    recorded
        .iter()
        .filter_map(|(t, want)| match live.get(t) {
            Some(n) if n == want => None,
            Some(n) => Some(format!(
                "{t}: live {} rows, backup {}",
                group(*n),
                group(*want)
            )),
            None => Some(format!(
                "{t}: live 0 rows (no such table), backup {}",
                group(*want)
            )),
        })
        .chain(
            live.iter()
                .filter(|(t, _)| !recorded.contains_key(*t))
                .map(|(t, n)| {
                    format!(
                        "{t}: live {} rows, not in the backup (the restore drops it)",
                        group(*n)
                    )
                }),
        )
        .collect()
}

/// Keys and keys with an expiry across all databases (`INFO keyspace`).
pub async fn redis_keys(ctx: &Ctx<'_>, container: &str, creds: &Credentials) -> Result<(u64, u64)> {
    let (o, out) = ctx
        .docker
        .exec_capture(
            container,
            ctx.short(redis::cli(creds, &["INFO", "keyspace"])),
        )
        .await?;
    let text = String::from_utf8_lossy(&out).to_string();
    if !o.success() || text.starts_with("NOAUTH") || text.starts_with("ERR") {
        return Err(Error::Other(format!(
            "redis-cli INFO keyspace in {container} failed: {}",
            text.lines().next().unwrap_or(o.stderr_line())
        )));
    }
    let (mut keys, mut expires) = (0, 0);
    for line in text.lines().filter(|l| l.starts_with("db")) {
        for part in line.split(':').nth(1).unwrap_or("").split(',') {
            match part.trim().split_once('=') {
                Some(("keys", n)) => keys += n.parse::<u64>().unwrap_or(0),
                Some(("expires", n)) => expires += n.parse::<u64>().unwrap_or(0),
                _ => {}
            }
        }
    }
    Ok((keys, expires))
}

/// Collections and counts of a running Chroma (`None` when its API does not answer).
pub async fn chroma_collections(ctx: &Ctx<'_>, container: &str) -> Option<Value> {
    chroma::collections_of(ctx.docker, ctx.cancel, container).await
}

pub use crate::engine::text::group;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_name_each_table_that_differs() {
        let rec = BTreeMap::from([
            ("public.messages".to_string(), 12340),
            ("public.t".into(), 3),
        ]);
        let live = BTreeMap::from([("public.t".to_string(), 3)]);
        assert_eq!(
            row_differences(&rec, &live),
            ["public.messages: live 0 rows (no such table), backup 12,340"]
        );
        let live = BTreeMap::from([("public.messages".to_string(), 0), ("public.t".into(), 3)]);
        assert_eq!(
            row_differences(&rec, &live),
            ["public.messages: live 0 rows, backup 12,340"]
        );
        assert!(row_differences(&rec, &rec).is_empty());
        let mut live = rec.clone();
        live.insert("public.\"Notes\"".into(), 2);
        assert_eq!(
            row_differences(&rec, &live),
            ["public.\"Notes\": live 2 rows, not in the backup (the restore drops it)"]
        );
    }

    #[test]
    fn quoting_doubles_the_quote_characters() {
        assert_eq!(literal("a'b"), "'a''b'");
        assert_eq!(ident("My \"t\""), "\"My \"\"t\"\"\"");
        assert_eq!(group(1234567), "1,234,567");
        assert_eq!(group(12), "12");
    }
}
