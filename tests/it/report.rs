//! SVG why-graphs (Graphviz and the built-in renderer, with Graphviz made unreachable by a
//! `PATH` without `dot`), the self-contained HTML report, hostile package names in both, and
//! the report loaded in a real headless Chromium: no console message, the SVGs and their
//! nodes present, a screenshot kept in `target/test-artifacts/report.png`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::support::{Run, audit, audit_command, repo_path, root};

const MYAGENT: &str = "fixtures/go/myagent/recorded/default.json";
const MYAGENT_DIR: &str = "fixtures/go/myagent";
const HOSTILE: &str = "fixtures/hostile/go-list.json";
/// The hostile package path of `fixtures/hostile/go-list.json`.
const HOSTILE_NAME: &str = "evil.com/a\"b\\c\n<script>alert(1)</script>&amp;'x";
const SOURCES: [&str; 4] = [
    "github.com/containerd/containerd/plugin",
    "net",
    "os/user",
    "github.com/mattn/go-sqlite3",
];
const FIX_COMMAND: &str = "CGO_ENABLED=1 go build -tags 'netgo osusergo sqlite_omit_load_extension static_build' -ldflags \"-linkmode external -extldflags '-static'\" ./cmd/agent";

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|ci| ci == "true")
}

/// Whether `program` runs; outside CI a missing one skips the test (with a message), in CI it
/// fails it.
fn available(program: &str, args: &[&str], what: &str) -> bool {
    let ok = Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if in_ci() {
            panic!("`{program}` is required for the {what} tests in CI (CI=true)");
        }
        #[expect(clippy::print_stderr, reason = "a skipped test says why")]
        {
            eprintln!("skipping {what} test: `{program}` is not installed");
        }
    }
    ok
}

fn graphviz() -> bool {
    available("dot", &["-V"], "Graphviz")
}

/// A `PATH` with `go` (when installed) but no `dot`: Graphviz is unreachable.
fn path_without_dot() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    if let Ok(output) = Command::new("sh").args(["-c", "command -v go"]).output()
        && output.status.success()
    {
        let go = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        std::os::unix::fs::symlink(&go, dir.path().join("go")).unwrap();
    }
    dir
}

fn audit_without_dot(args: &[&str]) -> Run {
    let path = path_without_dot();
    audit_command(args)
        .env("PATH", path.path())
        .output()
        .expect("run audit")
        .into()
}

fn report(dir: &Path, extra: &[&str]) -> (Run, String) {
    let out = dir.join("report.html");
    let out_arg = out.display().to_string();
    let mut args = vec![
        "report",
        "--input",
        MYAGENT,
        "-C",
        MYAGENT_DIR,
        "--no-archive-check",
        "-o",
        &out_arg,
    ];
    args.extend_from_slice(extra);
    let run = audit(&args);
    let page = std::fs::read_to_string(&out).unwrap_or_default();
    (run, page)
}

/// Every `src=`, `href=`, `url(` and `@import` in the page, with (the start of) its value.
fn resource_references(page: &str) -> Vec<(&'static str, String)> {
    let mut found = Vec::new();
    for needle in ["src=", "href=", "url(", "@import"] {
        let mut rest = page;
        while let Some(at) = rest.find(needle) {
            let after = &rest[at + needle.len()..];
            let value: String = after
                .trim_start_matches([' ', '"', '\''])
                .chars()
                .take(40)
                .collect();
            found.push((needle, value));
            rest = after;
        }
    }
    found
}

fn assert_self_contained(page: &str) {
    let references = resource_references(page);
    // The page's own links to its sections, and the SVG markers.
    assert!(
        references
            .iter()
            .any(|(n, v)| *n == "href=" && v.starts_with("#f0"))
    );
    for (needle, value) in references {
        let value = value.to_ascii_lowercase();
        assert!(
            !(value.starts_with("http:")
                || value.starts_with("https:")
                || value.starts_with("//")
                || value.starts_with("ftp:")
                || value.starts_with("data:text/javascript")
                || needle == "@import"),
            "external resource: {needle}{value}"
        );
    }
    assert!(!page.contains("<script"), "the page has a script");
    assert!(!page.contains("<link"), "the page links something");
    assert!(page.contains("Content-Security-Policy"));
}

#[test]
fn report_on_myagent_is_self_contained_and_complete() {
    let dir = tempfile::tempdir().unwrap();
    let (run, page) = report(dir.path(), &[]);
    assert_eq!(run.code, 1, "findings exit 1: {}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert_self_contained(&page);
    for source in SOURCES {
        assert!(
            page.contains(&format!(r#"<code class="pkg">{source}</code>"#)),
            "{source} missing from the findings table"
        );
    }
    // The exact command, HTML-escaped.
    let command = FIX_COMMAND.replace('\'', "&#39;").replace('"', "&quot;");
    assert!(page.contains(&command), "fix command missing");
    // The overview and one graph per finding.
    assert_eq!(page.matches("<svg").count(), 6);
    // Chains, the config, the tool.
    assert!(page.contains("example.com/<wbr>myagent/<wbr>internal/<wbr>cri"));
    assert!(page.contains("fixtures/go/myagent/recorded/default.json (go-list-json)"));
    assert!(page.contains(&format!("linkaudit {}", env!("CARGO_PKG_VERSION"))));
    // --warn-only: same page, exit 0.
    let (run, _) = report(dir.path(), &["--warn-only"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn report_is_byte_identical_across_runs() {
    let dir = tempfile::tempdir().unwrap();
    for renderer in ["auto", "builtin"] {
        let (_, first) = report(dir.path(), &["--renderer", renderer]);
        let (_, second) = report(dir.path(), &["--renderer", renderer]);
        assert!(!first.is_empty());
        assert!(first == second, "{renderer}: the page differs between runs");
        // Several SVGs share the page: every id is unique.
        let mut ids = std::collections::BTreeSet::new();
        for part in first.split(" id=\"").skip(1) {
            let id = part.split('"').next().unwrap();
            assert!(ids.insert(id.to_owned()), "{renderer}: id {id} twice");
        }
        assert!(ids.len() > 20, "{ids:?}");
    }
}

#[test]
fn report_focus_and_cap() {
    let dir = tempfile::tempdir().unwrap();
    let (run, page) = report(dir.path(), &["--focus", "os/user"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(page.contains("<h2>Findings (1)</h2>"));
    assert!(page.contains("1 of 5 finding(s) touch it"));
    assert!(!page.contains(r#"<code class="pkg">net</code>"#));
    let (_, page) = report(dir.path(), &["--max-findings", "2"]);
    assert!(page.contains("3 more finding(s) are not shown (--max-findings 2)"));
    assert_eq!(page.matches(r#"<code class="pkg">"#).count(), 2);
}

#[test]
fn report_exit_statuses() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pure.html").display().to_string();
    let run = audit(&[
        "report",
        "--input",
        "fixtures/go/pure/recorded/default.json",
        "-o",
        &out,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .contains("Findings (0)")
    );
    let run = audit(&[
        "report",
        "--input",
        "fixtures/go/myagent/recorded/go-version.txt",
        "-o",
        &out,
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}

#[test]
fn svg_through_graphviz() {
    if !graphviz() {
        return;
    }
    let why = audit(&["why", "cgo", "--input", MYAGENT, "--format", "svg"]);
    assert_eq!(why.code, 0, "{}", why.stderr);
    assert!(why.stdout.starts_with("<?xml"), "{}", why.stdout);
    assert!(why.stdout.contains(r#"class="cluster""#));
    assert!(
        why.stdout
            .contains("github.com/mattn/go&#45;sqlite3@v1.14.53")
    );
    assert!(why.stdout.contains(">legend</text>"));
    assert!(!why.stderr.contains("Graphviz"), "{}", why.stderr);
    let check = audit(&[
        "check",
        "--input",
        MYAGENT,
        "--format",
        "svg",
        "--no-archive-check",
        "--renderer",
        "graphviz",
    ]);
    assert_eq!(
        check.code, 1,
        "findings exit 1 in svg too: {}",
        check.stderr
    );
    for source in SOURCES {
        let label = source.replace('-', "&#45;");
        assert!(
            check.stdout.contains(&format!(">{label}</text>")),
            "{source}"
        );
    }
    assert!(check.stdout.contains("chain to dlopen"));
    assert!(check.stdout.contains("#7030a0"), "dlopen edges are purple");
}

#[test]
fn svg_builtin_renderer() {
    let args = [
        "why",
        "cgo",
        "--input",
        MYAGENT,
        "--format",
        "svg",
        "--renderer",
        "builtin",
        "--max-chains",
        "4",
    ];
    let first = audit(&args);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(first.stdout.starts_with("<?xml"));
    assert!(first.stdout.contains(r#"class="audit-graph""#));
    assert_eq!(first.stdout.matches(r#"class="node""#).count(), 9);
    assert!(
        first
            .stdout
            .contains(">github.com/mattn/go-sqlite3</tspan>")
    );
    assert!(
        first
            .stdout
            .contains(">github.com/mattn/go-sqlite3@v1.14.53</tspan>")
    );
    assert!(!first.stderr.contains("Graphviz"), "{}", first.stderr);
    let second = audit(&args);
    assert!(
        first.stdout == second.stdout,
        "builtin SVG differs between runs"
    );
}

/// Without `dot` on `PATH`: the built-in renderer, said once on stderr; `--renderer graphviz`
/// is an error; a graph too large for the built-in renderer is written as DOT.
#[test]
fn graphviz_missing_falls_back_to_builtin() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.html").display().to_string();
    let run = audit_without_dot(&[
        "report",
        "--input",
        MYAGENT,
        "-C",
        MYAGENT_DIR,
        "--no-archive-check",
        "-o",
        &out,
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let notes: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("Graphviz"))
        .collect();
    assert_eq!(notes.len(), 1, "{}", run.stderr);
    assert!(
        notes[0].starts_with("audit: note: Graphviz (`dot`) is not installed")
            && notes[0].contains("apt-get install graphviz"),
        "{}",
        notes[0]
    );
    let page = std::fs::read_to_string(&out).unwrap();
    assert_eq!(page.matches(r#"class="audit-graph""#).count(), 6);
    assert_self_contained(&page);

    let why = audit_without_dot(&["why", "plugin", "--input", MYAGENT, "--format", "svg"]);
    assert_eq!(why.code, 0, "{}", why.stderr);
    assert!(why.stdout.contains(r#"class="audit-graph""#));
    assert_eq!(why.stderr.matches("Graphviz").count(), 1, "{}", why.stderr);

    let forced = audit_without_dot(&[
        "why",
        "plugin",
        "--input",
        MYAGENT,
        "--format",
        "svg",
        "--renderer",
        "graphviz",
    ]);
    assert_eq!(forced.code, 2, "{}", forced.stderr);
    assert!(
        forced.stderr.contains("`dot` was not found on PATH")
            && forced.stderr.contains("apt-get install graphviz"),
        "{}",
        forced.stderr
    );
}

/// A chain of 72 packages: more than the built-in renderer draws.
fn long_chain(dir: &Path) -> PathBuf {
    let mut lines = vec![
        r#"{"ImportPath": "example.com/app", "Name": "main", "Imports": ["example.com/p0"]}"#
            .to_owned(),
    ];
    for i in 0..70 {
        let imports = if i < 69 {
            format!(r#"["example.com/p{}"]"#, i + 1)
        } else {
            r#"["C"], "CgoFiles": ["x.go"]"#.to_owned()
        };
        lines.push(format!(
            r#"{{"ImportPath": "example.com/p{i}", "DepOnly": true, "Imports": {imports}}}"#
        ));
    }
    lines.push(r#"{"ImportPath": "runtime/cgo", "Standard": true, "DepOnly": true}"#.to_owned());
    let path = dir.join("long.json");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

#[test]
fn too_large_for_builtin_writes_dot_and_says_graphviz_is_needed() {
    let dir = tempfile::tempdir().unwrap();
    let input = long_chain(dir.path()).display().to_string();
    let svg = dir.path().join("graph.svg").display().to_string();
    let run = audit_without_dot(&[
        "why",
        "runtime/cgo",
        "--input",
        &input,
        "--format",
        "svg",
        "-o",
        &svg,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("Graphviz"))
        .collect();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(
        lines[0].contains("Graphviz is needed")
            && lines[0].contains("apt-get install graphviz")
            && lines[0].contains("graph.dot"),
        "{}",
        lines[0]
    );
    let dot = std::fs::read_to_string(dir.path().join("graph.dot")).unwrap();
    assert!(dot.starts_with("digraph {"), "{dot}");
    assert!(!dir.path().join("graph.svg").exists());

    let out = dir.path().join("long.html").display().to_string();
    let run = audit_without_dot(&["report", "--input", &input, "-o", &out]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    assert_eq!(run.stderr.matches("Graphviz is needed").count(), 1);
    let page = std::fs::read_to_string(&out).unwrap();
    assert!(page.contains("drawing it needs Graphviz"));
}

/// The hostile fixture in every format of `check`, in `why --format svg` (both renderers) and
/// in the report: the `<script>` appears only escaped.
#[test]
fn hostile_names_in_svg_and_html() {
    let mut renderers = vec!["builtin"];
    if graphviz() {
        renderers.push("graphviz");
    }
    for renderer in renderers {
        for command in ["why", "check"] {
            let mut args = vec![command];
            if command == "why" {
                args.push("runtime/cgo");
            }
            args.extend([
                "--input",
                HOSTILE,
                "--format",
                "svg",
                "--renderer",
                renderer,
            ]);
            let run = audit(&args);
            assert!(run.code == 0, "{command} {renderer}: {}", run.stderr);
            assert!(!run.stdout.contains("<script"), "{command} {renderer}");
            assert!(!run.stdout.contains("<img"), "{command} {renderer}");
            assert!(
                run.stdout
                    .contains("&lt;script&gt;alert(1)&lt;/script&gt;&amp;amp;"),
                "{command} {renderer}: {}",
                run.stdout
            );
            assert_well_formed(&run.stdout);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("hostile.html").display().to_string();
    let run = audit(&["report", "--input", HOSTILE, "-o", &out]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let page = std::fs::read_to_string(&out).unwrap();
    assert_self_contained(&page);
    assert!(!page.contains("<img"));
    assert!(
        page.contains(
            "evil.com/a&quot;b\\\\c\\n&lt;script&gt;alert(1)&lt;/script&gt;&amp;amp;&#39;x"
        )
    );
    let quoted = serde_json::to_string(HOSTILE_NAME).unwrap();
    for format in ["json", "sarif"] {
        let run = audit(&["check", "--input", HOSTILE, "--format", format]);
        let parsed: serde_json::Value = serde_json::from_str(&run.stdout).expect(format);
        assert!(
            parsed.to_string().contains(&quoted[1..quoted.len() - 1]),
            "{format}: {}",
            run.stdout
        );
    }
    let json = audit(&["check", "--input", HOSTILE, "--format", "json"]);
    let parsed: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(parsed["findings"][0]["package"], HOSTILE_NAME);
    for format in ["text", "github"] {
        let run = audit(&["check", "--input", HOSTILE, "--format", format]);
        assert!(
            !run.stdout.lines().any(|l| l.starts_with("<script>")),
            "{format}: a newline in a name forged a line"
        );
    }
}

/// Tags balance: every element opened is closed, in order (a cheap well-formedness check).
fn assert_well_formed(svg: &str) {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = svg;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let end = rest.find('>').expect("unclosed tag");
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.starts_with('?') || tag.starts_with('!') || tag.ends_with('/') {
            continue;
        }
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect();
        if tag.starts_with('/') {
            assert_eq!(stack.pop().as_deref(), Some(name.as_str()), "in {svg}");
        } else {
            stack.push(name);
        }
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

fn chromium() -> Option<&'static str> {
    for program in ["chromium", "chromium-browser"] {
        if Command::new(program)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return Some(program);
        }
    }
    if in_ci() {
        panic!("`chromium` is required for the browser test in CI (CI=true)");
    }
    #[expect(clippy::print_stderr, reason = "a skipped test says why")]
    {
        eprintln!("skipping the browser test: `chromium` is not installed");
    }
    None
}

/// Runs headless Chromium on a file with `extra` flags; returns stdout and the console
/// messages it logged (lines of `--enable-logging=stderr` with `CONSOLE` or `Uncaught`).
fn headless(program: &str, page: &Path, extra: &[&str]) -> (String, Vec<String>) {
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new(program)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let console = stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .map(str::to_owned)
        .collect();
    assert!(
        output.status.success(),
        "chromium failed ({}): {stderr}",
        output.status
    );
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        console,
    )
}

/// The report in a real browser: no console message, the SVGs and their nodes in the DOM
/// after load, a screenshot kept as a test artifact. A probe page with an error proves that
/// console messages are seen; the hostile report proves no markup gets through.
#[test]
fn report_in_headless_chromium() {
    let Some(program) = chromium() else {
        return;
    };
    let started = Instant::now();
    let artifacts = root().join("target/test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let page = artifacts.join("report.html");
    let page_arg = page.display().to_string();
    let run = audit(&[
        "report",
        "--input",
        MYAGENT,
        "-C",
        MYAGENT_DIR,
        "--no-archive-check",
        "-o",
        &page_arg,
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);

    let probe_dir = tempfile::tempdir().unwrap();
    let probe = probe_dir.path().join("probe.html");
    std::fs::write(
        &probe,
        "<!DOCTYPE html><html><body><script>console.error('probe-123')</script></body></html>",
    )
    .unwrap();
    let (_, console) = headless(program, &probe, &["--dump-dom"]);
    assert!(
        console.iter().any(|l| l.contains("probe-123")),
        "console messages are not captured: {console:?}"
    );

    let (dom, console) = headless(program, &page, &["--dump-dom"]);
    assert!(console.is_empty(), "console messages: {console:?}");
    assert_eq!(dom.matches("<svg").count(), 6, "SVGs in the DOM");
    for source in SOURCES {
        assert!(dom.contains(&format!(">{source}</text>")), "{source} node");
    }
    assert!(dom.contains("static_build"));

    let shot = artifacts.join("report.png");
    let _ = std::fs::remove_file(&shot);
    let (_, console) = headless(
        program,
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1400,2000",
            "--hide-scrollbars",
        ],
    );
    assert!(console.is_empty(), "console messages: {console:?}");
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    assert!(png.len() > 50_000, "screenshot suspiciously small");

    let hostile = artifacts.join("hostile.html");
    let hostile_arg = hostile.display().to_string();
    let run = audit(&["report", "--input", HOSTILE, "-o", &hostile_arg]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (dom, console) = headless(program, &hostile, &["--dump-dom"]);
    assert!(
        console.is_empty(),
        "hostile page: console messages: {console:?}"
    );
    assert!(!dom.contains("<script"), "hostile page: a script element");
    assert!(!dom.contains("<img"), "hostile page: an img element");
    assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    #[expect(clippy::print_stderr, reason = "timings of the browser test")]
    {
        eprintln!(
            "browser test: {:.1} s, screenshot {}",
            started.elapsed().as_secs_f64(),
            repo_path("target/test-artifacts/report.png").display()
        );
    }
}

/// `dist/mermaid.min.js` of the `mermaid` npm package (fetched once into `target/`).
fn mermaid_js() -> Option<PathBuf> {
    const VERSION: &str = "12.3.0";
    let dir = root().join(format!("target/mermaid-{VERSION}"));
    let script = dir.join("package/dist/mermaid.min.js");
    if script.is_file() {
        return Some(script);
    }
    std::fs::create_dir_all(&dir).unwrap();
    let packed = Command::new("npm")
        .args(["pack", "--silent", &format!("mermaid@{VERSION}")])
        .current_dir(&dir)
        .output();
    let ok = packed.as_ref().is_ok_and(|o| o.status.success())
        && Command::new("tar")
            .args([
                "xzf",
                &format!("mermaid-{VERSION}.tgz"),
                "package/dist/mermaid.min.js",
            ])
            .current_dir(&dir)
            .status()
            .is_ok_and(|s| s.success());
    if !ok {
        if in_ci() {
            panic!("cannot fetch mermaid with npm: {packed:?}");
        }
        #[expect(clippy::print_stderr, reason = "a skipped test says why")]
        {
            eprintln!("skipping the Mermaid test: npm cannot fetch mermaid");
        }
        return None;
    }
    Some(script)
}

/// Renders each chart with Mermaid's own `mermaid.render` in headless Chromium; returns, per
/// chart, `Ok(svg)` or `Err(message)`.
fn mermaid_render(program: &str, script: &Path, charts: &[String]) -> Vec<Result<String, String>> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(script, dir.path().join("mermaid.min.js")).unwrap();
    let data = serde_json::to_string(charts).unwrap().replace("</", "<\\/");
    let page = dir.path().join("mermaid.html");
    std::fs::write(
        &page,
        format!(
            r#"<!DOCTYPE html><html><body><script src="mermaid.min.js"></script><script>
mermaid.initialize({{ startOnLoad: false, securityLevel: "strict" }});
const charts = {data};
(async () => {{
  for (let i = 0; i < charts.length; i++) {{
    const out = document.createElement("div");
    out.id = "chart-" + i;
    try {{
      const {{ svg }} = await mermaid.render("g" + i, charts[i]);
      out.setAttribute("data-ok", "1");
      out.innerHTML = svg;
    }} catch (e) {{
      out.setAttribute("data-error", String((e && e.message) || e).slice(0, 300));
    }}
    document.body.appendChild(out);
  }}
  document.body.setAttribute("data-done", String(charts.length));
}})();
</script></body></html>"#
        ),
    )
    .unwrap();
    let (dom, _) = headless(
        program,
        &page,
        &["--dump-dom", "--virtual-time-budget=30000"],
    );
    assert!(
        dom.contains(&format!("data-done=\"{}\"", charts.len())),
        "Mermaid did not finish: {}",
        &dom[..dom.len().min(2000)]
    );
    (0..charts.len())
        .map(|i| {
            let open = format!("<div id=\"chart-{i}\"");
            let at = dom.find(&open).expect("chart div");
            let rest = &dom[at..];
            let head_end = rest.find('>').unwrap();
            let head = &rest[..head_end];
            let end = rest
                .find(&format!("<div id=\"chart-{}\"", i + 1))
                .unwrap_or(rest.len());
            if head.contains("data-ok") {
                Ok(rest[head_end + 1..end].to_owned())
            } else {
                Err(head.to_owned())
            }
        })
        .collect()
}

/// `--format mermaid` of `why` and `check` on the shipped example, of the hostile names, and
/// `diff`'s Markdown block render with Mermaid itself (in headless Chromium): every chart
/// parses and draws, with the package names as labels; a broken chart proves errors are seen.
#[test]
fn mermaid_output_renders_with_mermaid() {
    let Some(program) = chromium() else {
        return;
    };
    let Some(script) = mermaid_js() else {
        return;
    };
    let why = audit(&[
        "why", "plugin", "os/user", "net", "--input", MYAGENT, "--format", "mermaid", "--cut",
    ]);
    assert_eq!(why.code, 0, "{}", why.stderr);
    let check = audit(&[
        "check",
        "--input",
        MYAGENT,
        "-C",
        MYAGENT_DIR,
        "--no-archive-check",
        "--format",
        "mermaid",
    ]);
    assert_eq!(check.code, 1, "{}", check.stderr);
    let hostile = audit(&[
        "why",
        HOSTILE_NAME,
        "--input",
        HOSTILE,
        "--roots",
        "all",
        "--format",
        "mermaid",
    ]);
    assert_eq!(hostile.code, 0, "{}", hostile.stderr);
    assert!(!hostile.stdout.contains("<script>"), "{}", hostile.stdout);
    let diff = audit(&[
        "diff",
        "fixtures/go/myagent/recorded/tags-all4.json",
        MYAGENT,
        "-C",
        MYAGENT_DIR,
        "--no-archive-check",
        "--format",
        "markdown",
    ]);
    assert_eq!(diff.code, 1, "{}", diff.stderr);
    let block = diff
        .stdout
        .split_once("```mermaid\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(block, _)| block.to_owned())
        .unwrap_or_else(|| panic!("no mermaid block: {}", diff.stdout));
    let broken = "flowchart LR\n  n0[\"unclosed\n".to_owned();
    let charts = vec![why.stdout, check.stdout, hostile.stdout, block, broken];
    let results = mermaid_render(program, &script, &charts);
    for (i, result) in results.iter().take(4).enumerate() {
        let svg = result
            .as_ref()
            .unwrap_or_else(|e| panic!("chart {i}: {e}\n{}", charts[i]));
        assert!(svg.contains("<svg"), "chart {i}");
    }
    let why_svg = results[0].as_ref().unwrap();
    for source in ["plugin", "os/user", "net", "example.com/myagent/cmd/agent"] {
        assert!(why_svg.contains(&format!(">{source}<")), "{source} drawn");
    }
    let check_svg = results[1].as_ref().unwrap();
    for source in SOURCES {
        assert!(check_svg.contains(source), "{source} drawn");
    }
    assert!(results[3].as_ref().unwrap().contains(">os/user<"));
    assert!(
        results[4].is_err(),
        "a broken chart must fail: {:?}",
        results[4]
    );
}
