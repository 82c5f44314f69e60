//! A Redis that does not run: its persistence settings read from its command line and the
//! config file that command line names, so its restore still installs the RDB as the AOF's
//! base when `appendonly yes` comes from the file.

use crate::engine::docker::fake::Fake;
use crate::engine::progress::{Cancel, Silent};
use crate::engine::restore::ctx::Ctx;
use crate::engine::restore::redis::{persistence_settings, target_stopped};

const PROFILE: &str = r#"
name = "lbr"
project = "lbr"
archive_prefix = "lbr-backup"
[[component]]
name = "redis"
kind = "redis"
containers = ["lbr-redis"]
file = "redis-dump.rdb"
data_path = "/data"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_redis_takes_appendonly_from_its_config_file_and_flags_win() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lbr.toml");
    std::fs::write(&path, PROFILE).unwrap();
    let profile =
        crate::engine::stack::load(Some(path.to_str().unwrap()), &Default::default(), None)
            .unwrap();
    let fake = Fake::new();
    fake.container("lbr-redis", "redis:7", &["lbr_data:/data"], &[]);
    {
        let mut w = fake.lock();
        let c = w.containers.get_mut("lbr-redis").unwrap();
        // Crash-looping: nothing can be asked of it.
        c.state = "restarting".into();
        c.cmd = [
            "redis-server",
            "/usr/local/etc/redis/redis.conf",
            "--dir",
            "/data",
        ]
        .map(String::from)
        .to_vec();
        w.files.insert(
            ("lbr-redis".into(), "/usr/local/etc/redis/redis.conf".into()),
            b"# persistence\nappendonly yes\ndir /var/lib/redis\nappendfilename \"tars.aof\"\n"
                .to_vec(),
        );
    }
    fake.on_oneoff(|spec| {
        (spec.cmd == ["redis-server", "--version"]).then(|| {
            (
                0,
                "Redis server v=7.2.4 sha=00000000:0 malloc=jemalloc-5.3.0".into(),
            )
        })
    });
    let docker = fake.docker();
    let cancel = Cancel::new();
    let ctx = Ctx {
        docker: &docker,
        profile: &profile,
        reporter: &Silent,
        cancel: &cancel,
        id: "20260106120000".into(),
    };
    let info = docker.inspect_required("lbr-redis").await.unwrap();
    let t = target_stopped(&ctx, &profile.components[0], &info)
        .await
        .unwrap();
    assert!(t.appendonly, "from the config file");
    assert_eq!(t.appendfilename, "tars.aof");
    assert_eq!(
        t.dir, "/data",
        "the command line's --dir wins over the file"
    );
    assert_eq!(t.version, "7.2.4");
    assert_eq!(t.appenddirname, "appendonlydir", "Redis's default");
}

#[test]
fn a_config_file_reads_like_redis_reads_it() {
    let s = persistence_settings(
        "# appendonly yes\nAPPENDONLY no\nappendonly   yes\n  dir '/srv/redis'\nport 6380\n",
    );
    assert_eq!(s.get("appendonly").map(String::as_str), Some("yes"));
    assert_eq!(s.get("dir").map(String::as_str), Some("/srv/redis"));
    assert!(!s.contains_key("port"));
}
