//! `audit fix` and `audit verify` on real open-source projects that document their own static
//! build, fetched from the Go module proxy at a fixed version:
//!
//! - **kine** (k3s-io/kine v0.17.5, an etcd shim on SQL): `scripts/build` builds with cgo,
//!   `-tags nats,sqlite_unlock_notify,...` and `-extldflags -static`, or with
//!   `CGO_ENABLED=0` (the `-nocgo` image, Makefile `NOCGO`);
//! - **maddy** (foxcpp/maddy v0.8.1, a mail server): `build.sh --static` builds
//!   `./cmd/maddy` with `-buildmode pie -tags 'osusergo netgo static_build'` and
//!   `-ldflags "-extldflags '-fno-PIC -static'"`.
//!
//! Each proposal is built by `audit verify` and must be static with no glibc warning, and the
//! test compares it with the documented build (differences explained below). For maddy the
//! documented command itself is verified too: without `-linkmode external` it still links
//! externally (go-sqlite3 brings C objects), so `-extldflags` applies and the binary is
//! static, but `static_build` is not go-sqlite3's tag (that is `sqlite_omit_load_extension`),
//! so the link warns about `dlopen`, as predicted from the binary's own build info.
//!
//! Budget: this one test builds both projects twice (cold on 2 cores: about 4 minutes for
//! kine, 6 for maddy, most of it compiling modernc.org/sqlite and the SQLite amalgamation);
//! it fails if it takes longer than 25 minutes. In CI it must run (`CI=true`).

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{audit, fetch_module as fetch, go_available};

const BUDGET: Duration = Duration::from_secs(25 * 60);

fn run_json(args: &[&str]) -> (i32, Value) {
    let run = audit(args);
    let json = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("audit {args:?}: {e}\n{}\n{}", run.stdout, run.stderr));
    (run.code, json)
}

fn strings(value: &Value) -> Vec<String> {
    serde_json::from_value(value.clone()).unwrap_or_default()
}

#[test]
fn real_projects_fix_and_verify() {
    if !go_available() {
        return;
    }
    let started = Instant::now();
    let work = tempfile::tempdir().unwrap();

    // kine: its own feature tags, as scripts/build passes them.
    let kine = fetch("github.com/k3s-io/kine@v0.17.5", work.path());
    let kine_dir = kine.to_str().unwrap();
    let documented = "nats,sqlite_unlock_notify,sqlite_vtable,sqlite_stat4,sqlite_preupdate_hook,sqlite_math_functions,sqlite_dbstat,sqlite_column_metadata";
    let (code, fix) = run_json(&[
        "fix", "-C", kine_dir, "--tags", documented, "--format", "json",
    ]);
    assert_eq!(code, 0, "{fix}");
    let fix = &fix["fix"];
    // The proposal is kine's own CGO_ENABLED=0 variant: its sqlite driver has a `!cgo` file
    // (modernc.org/sqlite), so go-sqlite3 is not in that build and cannot block it, and the
    // program compiles without cgo.
    assert_eq!(fix["route"], "no-cgo", "{fix}");
    assert_eq!(fix["compile"]["ok"], true, "{fix}");
    let tags = strings(&fix["tags"]);
    for tag in documented.split(',') {
        assert!(tags.contains(&tag.to_owned()), "{tag} kept: {tags:?}");
    }
    let swapped = fix["no_cgo_changes"].to_string();
    assert!(
        swapped.contains("github.com/k3s-io/kine/pkg/drivers/sqlite")
            && swapped.contains("sqlite_nocgo.go"),
        "{swapped}"
    );
    // The documented cgo build: the cgo alternative adds what it lacks for a static link
    // with no warning: netgo, osusergo (net and os/user are linked), sqlite_omit_load_extension
    // (go-sqlite3's dlopen), and no_antithesis_sdk, an opt-out tag no catalog lists, read
    // from github.com/antithesishq/antithesis-sdk-go's voidstar_handler.go.
    let cgo = fix["alternatives"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["route"] == "cgo")
        .expect("the cgo alternative");
    let cgo_tags = strings(&cgo["tags"]);
    for tag in [
        "netgo",
        "osusergo",
        "sqlite_omit_load_extension",
        "no_antithesis_sdk",
    ] {
        assert!(cgo_tags.contains(&tag.to_owned()), "{tag}: {cgo_tags:?}");
    }
    let antithesis = cgo["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["change"]["key"] == "tag:no_antithesis_sdk")
        .expect("the discovered tag");
    assert_eq!(antithesis["origins"][0]["kind"], "discovered");
    assert_eq!(
        antithesis["origins"][0]["package"],
        "github.com/antithesishq/antithesis-sdk-go/internal"
    );
    let (code, verify) = run_json(&[
        "verify", "-C", kine_dir, "--tags", documented, "--format", "json",
    ]);
    assert_eq!(code, 0, "{verify}");
    assert_eq!(verify["outcome"], "static-clean", "{verify}");

    // maddy: the binary build.sh makes.
    let maddy = fetch("github.com/foxcpp/maddy@v0.8.1", work.path());
    let maddy_dir = maddy.to_str().unwrap();
    let (code, fix) = run_json(&[
        "fix",
        "-C",
        maddy_dir,
        "--patterns",
        "./cmd/maddy",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{fix}");
    let fix = &fix["fix"];
    // internal/storage/imapsql switches to modernc.org/sqlite under !cgo: CGO_ENABLED=0 builds
    // and compiles; the documented build keeps cgo instead.
    assert_eq!(fix["route"], "no-cgo", "{fix}");
    assert!(
        fix["no_cgo_changes"]
            .to_string()
            .contains("github.com/foxcpp/maddy/internal/storage/imapsql"),
        "{fix}"
    );
    let cgo = fix["alternatives"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["route"] == "cgo")
        .expect("the cgo alternative");
    let cgo_tags = strings(&cgo["tags"]);
    // build.sh's osusergo and netgo are what the catalog asks for too; its static_build does
    // nothing for go-sqlite3, whose opt-out tag is sqlite_omit_load_extension.
    for tag in ["netgo", "osusergo", "sqlite_omit_load_extension"] {
        assert!(cgo_tags.contains(&tag.to_owned()), "{tag}: {cgo_tags:?}");
    }
    assert!(
        !cgo_tags.contains(&"static_build".to_owned()),
        "{cgo_tags:?}"
    );
    let (code, verify) = run_json(&[
        "verify",
        "-C",
        maddy_dir,
        "--patterns",
        "./cmd/maddy",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{verify}");
    assert_eq!(verify["outcome"], "static-clean", "{verify}");
    // The documented static build, as build.sh runs it.
    let documented = "go build -trimpath -buildmode pie -tags 'osusergo netgo static_build' -ldflags \"-extldflags '-fno-PIC -static'\" -o \"$AUDIT_OUT/maddy\" ./cmd/maddy";
    let (code, verify) = run_json(&[
        "verify",
        "-C",
        maddy_dir,
        "--patterns",
        "./cmd/maddy",
        "--format",
        "json",
        "--command",
        documented,
    ]);
    assert_eq!(code, 1, "{verify}");
    assert_eq!(verify["outcome"], "not-clean-as-predicted", "{verify}");
    assert_eq!(verify["binaries"][0]["linkage"], "static", "{verify}");
    assert_eq!(verify["prediction"]["targets"][0][1], "static-external");
    let warnings = verify["linker_warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w["symbol"] == "dlopen" && w["package"] == "github.com/mattn/go-sqlite3"),
        "{verify}"
    );
    let elapsed = started.elapsed();
    assert!(
        elapsed < BUDGET,
        "real projects took {elapsed:?}, over the {BUDGET:?} budget"
    );
}
