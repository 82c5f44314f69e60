//! Profile loading: the built-in profile, overrides, and the errors a bad profile gets.

use super::*;

fn cfg(text: &str) -> Config {
    crate::engine::config::parse(text, Path::new("c.toml")).unwrap()
}

#[test]
fn the_builtin_profile_resolves_with_its_project() {
    let p = load(None, &Config::default(), None).unwrap();
    assert_eq!(p.name, "tars-home");
    assert_eq!(p.archive_prefix, "tars-backup");
    let names: Vec<&str> = p.components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["chromadb", "postgres", "redis", "configuration", "ollama"]
    );
    assert_eq!(
        p.component("postgres").unwrap().containers,
        ["tars-home-postgres"]
    );
    assert_eq!(
        p.component("ollama").unwrap().volume.as_deref(),
        Some("tars-home_ollama_data")
    );
    assert!(!p.component("ollama").unwrap().default);
    assert_eq!(
        p.env_file.as_deref(),
        Some(Path::new("/opt/tars/deploy/tars-home.env"))
    );
    assert_eq!(
        p.component("configuration").unwrap().paths[0],
        PathBuf::from("/opt/tars/deploy/tars-home.env")
    );

    let p = load(Some("tars-home"), &Config::default(), Some("lbtest")).unwrap();
    assert_eq!(p.component("redis").unwrap().containers, ["lbtest-redis"]);
    assert_eq!(
        p.component("chromadb").unwrap().dependents,
        ["lbtest-backend"]
    );
}

#[test]
fn the_config_adjusts_a_builtin_profile() {
    let c = cfg("project = \"demo\"\n[profiles.tars-home]\ndeploy_dir = \"/srv/tars\"\n");
    let p = load(None, &c, None).unwrap();
    assert_eq!(p.project, "demo");
    assert_eq!(p.env_file.as_deref(), Some(Path::new("/srv/tars/demo.env")));
    let c = cfg("[profiles.tars-home]\ndeploy_dri = \"/x\"\n");
    let e = load(None, &c, None).unwrap_err().to_string();
    assert!(
        e.contains("[profiles.tars-home]") && e.contains("deploy_dri"),
        "{e}"
    );
}

fn load_text(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.toml");
    std::fs::write(&path, text).unwrap();
    match load(Some(path.to_str().unwrap()), &Config::default(), None) {
        Ok(_) => String::new(),
        Err(e) => e.to_string().replace(path.to_str().unwrap(), "p.toml"),
    }
}

const HEAD: &str = "name = \"x\"\nproject = \"x\"\narchive_prefix = \"x-backup\"\n";

#[test]
fn malformed_profiles_name_the_line_and_field() {
    let cases = [
        (
            format!(
                "{HEAD}[[component]]\nname = \"pg\"\nkind = \"postgres\"\ncontainers = [\"a\"]\nfile = \"pg.sql.gz\"\nuser_env = \"U\"\ndatabase_env = \"D\"\npassword_envv = \"P\"\n"
            ),
            "p.toml: line 11",
            "password_envv",
        ),
        (
            format!("{HEAD}[[component]]\nname = \"pg\"\nkind = \"postgress\"\n"),
            "line 6",
            "postgress",
        ),
        (
            format!(
                "{HEAD}[[component]]\nname = \"r\"\nkind = \"redis\"\ncontainers = [\"a\"]\nfile = \"r.rdb\"\npaths = [\"/x\"]\n"
            ),
            "line 5",
            "field paths is not used by kind redis",
        ),
        (
            format!(
                "{HEAD}[[component]]\nname = \"v\"\nkind = \"volume\"\ncontainers = [\"a\"]\nfile = \"v.tar.gz\"\ndata_path = \"/d\"\n"
            ),
            "line 5",
            "needs the field volume",
        ),
        (
            format!(
                "{HEAD}[[component]]\nname = \"v\"\nkind = \"volume\"\ncontainers = [\"{{projct}}-a\"]\nfile = \"v.tar.gz\"\nvolume = \"v\"\ndata_path = \"/d\"\n"
            ),
            "line 5",
            "unknown placeholder {projct}",
        ),
        (
            format!(
                "{HEAD}[[component]]\nname = \"f\"\nkind = \"files\"\npaths = [\"/etc/x\"]\nfile = \"../config/\"\n"
            ),
            "line 5",
            "not allowed",
        ),
        (
            format!(
                "{HEAD}[[component]]\nname = \"a\"\nkind = \"chroma\"\ncontainers = [\"c\"]\nfile = \"c.tar.gz\"\n[[component]]\nname = \"a\"\nkind = \"chroma\"\ncontainers = [\"c\"]\nfile = \"d.tar.gz\"\n"
            ),
            "line 10",
            "defined twice",
        ),
        (
            format!(
                "{HEAD}[[component]]\nname = \"../x\"\nkind = \"chroma\"\ncontainers = [\"c\"]\nfile = \"c.tar.gz\"\n"
            ),
            "line 5",
            "not allowed",
        ),
        (HEAD.to_string(), "p.toml", "no [[component]]"),
        ("name = \"x\"\n".to_string(), "p.toml", "missing field"),
    ];
    for (text, place, what) in cases {
        let e = load_text(&text);
        assert!(
            e.contains(place) && e.contains(what),
            "expected {place:?} and {what:?} in {e:?}"
        );
        assert_eq!(e.lines().count(), 1, "{e}");
    }
    assert_eq!(
        load(Some("nope"), &Config::default(), None)
            .unwrap_err()
            .kind(),
        crate::engine::ErrorKind::Usage
    );
}
