//! How the Go linker will link a main package, decided the way the installed Go decides it
//! (`cmd/link/internal/ld/config.go`: `mustLinkExternal`, `determineLinkMode`; `lib.go`:
//! `internalpkg`, `ldhostobj`; `cmd/go/internal/load/pkg.go`: `externalLinkingReason`), from
//! the package graph and the `-ldflags`/`-buildmode` of the build:
//!
//! - `-linkmode=auto` links externally when external linking is required (GOOS/GOARCH,
//!   `-msan`/`-asan`, `-buildmode=c-archive|c-shared|plugin|shared`, PIE where the internal
//!   linker cannot) or when `runtime/cgo` is linked and some package outside `internalpkg`
//!   brings host objects (any third-party cgo package, a `.syso`). `GO_EXTLINK_ENABLED=0|1`
//!   overrides the choice.
//! - An external link is static when `-extldflags` has `-static` (or `-static-pie` with
//!   `-buildmode=pie`); otherwise the C linker links libc dynamically.
//! - An internal link is dynamic when `runtime/cgo` is linked (it imports libc and names the
//!   dynamic loader) or for `-buildmode=pie`; static otherwise.
//! - It does not build when internal linking is requested but external is required, with
//!   `-linkmode=external` and `CGO_ENABLED=0`, with `-static-pie` but no `-buildmode=pie`, or
//!   when a linked package has a load error (e.g. only cgo files under `CGO_ENABLED=0`).
//!
//! Pure: the caller passes the reachable set and the rule facts.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::model::DepGraph;

/// Packages whose host objects the Go linker links itself (`lib.go`, `internalpkg`).
pub const INTERNAL_PACKAGES: &[&str] = &[
    "crypto/internal/boring",
    "crypto/internal/boring/syso",
    "crypto/x509",
    "net",
    "os/user",
    "runtime/cgo",
    "runtime/race",
    "runtime/race/internal/amd64v1",
    "runtime/race/internal/amd64v3",
    "runtime/msan",
    "runtime/asan",
];

/// `-linkmode`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkMode {
    /// Not given: the linker decides.
    #[default]
    Auto,
    /// `-linkmode internal`.
    Internal,
    /// `-linkmode external`.
    External,
}

/// The link settings of a build: parsed from `-ldflags` and `-buildmode`, plus the
/// `GO_EXTLINK_ENABLED` of the environment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LinkFlags {
    /// `-linkmode` (the last one wins, as in the linker's flag parsing).
    pub linkmode: LinkMode,
    /// The words of `-extldflags` (the last one wins).
    pub extldflags: Vec<String>,
    /// `-buildmode` (`default` when not given).
    pub buildmode: String,
    /// `-msan`, `-asan` (external linking required).
    pub msan: bool,
    /// `-asan`.
    pub asan: bool,
    /// `GO_EXTLINK_ENABLED`: `Some(false)` for `0`, `Some(true)` for `1`.
    pub extlink_enabled: Option<bool>,
    /// The `-ldflags` as given.
    pub ldflags: Option<String>,
}

/// Splits like Go's `str.SplitQuotedFields`: spaces separate, `'` and `"` quote.
pub fn split_quoted(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else { break };
        let mut word = String::new();
        if first == '\'' || first == '"' {
            chars.next();
            let mut closed = false;
            for c in chars.by_ref() {
                if c == first {
                    closed = true;
                    break;
                }
                word.push(c);
            }
            if !closed {
                return Err(format!("unterminated {first} string"));
            }
            if chars.peek().is_some_and(|c| !c.is_whitespace()) {
                return Err(format!("quoted string not followed by space in {text:?}"));
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                word.push(c);
                chars.next();
            }
        }
        out.push(word);
    }
    Ok(out)
}

impl LinkFlags {
    /// Parses `-ldflags` (as one string) and `-buildmode`.
    pub fn parse(ldflags: Option<&str>, buildmode: Option<&str>) -> Result<LinkFlags, String> {
        let mut flags = LinkFlags {
            buildmode: buildmode.unwrap_or("default").to_owned(),
            ldflags: ldflags.map(str::to_owned),
            ..LinkFlags::default()
        };
        let words = split_quoted(ldflags.unwrap_or(""))?;
        let mut i = 0;
        while i < words.len() {
            let word = words[i].trim_start_matches('-');
            let dashed = words[i].starts_with('-');
            let (name, inline) = match word.split_once('=') {
                Some((name, value)) => (name, Some(value.to_owned())),
                None => (word, None),
            };
            let takes_value = matches!(
                name,
                "linkmode" | "extldflags" | "X" | "extld" | "buildmode" | "r" | "I" | "L"
            );
            let value = if inline.is_some() || !takes_value {
                inline
            } else {
                i += 1;
                words.get(i).cloned()
            };
            if dashed {
                match (name, value) {
                    ("linkmode", Some(mode)) => {
                        flags.linkmode = match mode.as_str() {
                            "internal" => LinkMode::Internal,
                            "external" => LinkMode::External,
                            "auto" => LinkMode::Auto,
                            other => return Err(format!("-linkmode {other}: unknown mode")),
                        }
                    }
                    ("extldflags", Some(value)) => flags.extldflags = split_quoted(&value)?,
                    ("msan", _) => flags.msan = true,
                    ("asan", _) => flags.asan = true,
                    _ => {}
                }
            }
            i += 1;
        }
        Ok(flags)
    }

    /// `-extldflags` asks for `-static`.
    pub fn ext_static(&self) -> bool {
        self.extldflags.iter().any(|w| w == "-static")
    }

    /// `-extldflags` asks for `-static-pie`.
    pub fn ext_static_pie(&self) -> bool {
        self.extldflags.iter().any(|w| w == "-static-pie")
    }

    /// `-buildmode=pie`.
    pub fn pie(&self) -> bool {
        self.buildmode == "pie"
    }
}

/// What the linker produces for one main package.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Linkage {
    /// No `PT_INTERP`, no `DT_NEEDED`: linked internally without cgo.
    Static,
    /// Static through an external link with `-extldflags -static`.
    StaticExternal,
    /// A static PIE (`-buildmode=pie -extldflags -static-pie`).
    StaticPie,
    /// `PT_INTERP` and `DT_NEEDED libc.so.6` (or other libraries).
    Dynamic,
    /// The build fails (see the reason).
    DoesNotBuild,
}

impl Linkage {
    /// The verdict's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Linkage::Static => "static",
            Linkage::StaticExternal => "static-external",
            Linkage::StaticPie => "static-pie",
            Linkage::Dynamic => "dynamic",
            Linkage::DoesNotBuild => "does-not-build",
        }
    }

    /// A static ELF of any kind.
    pub fn is_static(self) -> bool {
        matches!(
            self,
            Linkage::Static | Linkage::StaticExternal | Linkage::StaticPie
        )
    }
}

/// The facts of a root's link that the graph and the rules give.
#[derive(Clone, Debug, Default)]
pub struct LinkFacts {
    /// GOOS, GOARCH (unknown: `None`).
    pub goos: Option<String>,
    /// GOARCH.
    pub goarch: Option<String>,
    /// CGO_ENABLED (unknown: `None`, taken as on).
    pub cgo_enabled: Option<bool>,
    /// `runtime/cgo` is linked.
    pub runtime_cgo: bool,
    /// Reachable packages outside `internalpkg` with host objects (cgo files, `.syso`).
    pub host_object_packages: Vec<String>,
    /// Of those, packages a rule says the internal linker rejects, with the rule's reason.
    pub internal_link_fails: Vec<(String, String)>,
    /// Reachable packages with a load error, with the error and a chain to them.
    pub broken: Vec<(String, String, Vec<String>)>,
    /// Reasons from rules that make the ELF dynamic without cgo (dynamic imports).
    pub dynamic_without_cgo: Vec<String>,
}

/// The decision for one main package.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LinkDecision {
    /// `internal` or `external`; `none` when the build fails before linking.
    pub mode: &'static str,
    /// Why this mode.
    pub mode_reason: String,
    /// The result.
    pub linkage: Linkage,
    /// Why, one sentence each (the linker's reasons; rules add theirs).
    pub reasons: Vec<String>,
    /// False when the outcome depends on what the objects contain (internal linking of
    /// third-party C objects that no rule describes).
    pub certain: bool,
}

fn must_link_external(goos: &str, goarch: &str, cgo: bool) -> bool {
    if cgo {
        if matches!(goarch, "mips" | "mipsle" | "mips64" | "mips64le") {
            return true;
        }
        if goarch == "ppc64" && matches!(goos, "aix" | "linux") {
            return true;
        }
        if matches!(goos, "android" | "dragonfly") {
            return true;
        }
    }
    (goos == "android" && goarch != "arm64") || (goos == "ios" && goarch == "arm64")
}

fn internal_pie_supported(goos: &str, goarch: &str) -> bool {
    matches!(
        format!("{goos}/{goarch}").as_str(),
        "android/arm64"
            | "darwin/amd64"
            | "darwin/arm64"
            | "linux/amd64"
            | "linux/arm64"
            | "linux/loong64"
            | "linux/ppc64le"
            | "windows/386"
            | "windows/amd64"
            | "windows/arm64"
    )
}

/// Why external linking is required, if it is (`mustLinkExternal`).
fn external_required(facts: &LinkFacts, flags: &LinkFlags, iscgo: bool) -> Option<String> {
    let goos = facts.goos.as_deref().unwrap_or("linux");
    let goarch = facts.goarch.as_deref().unwrap_or("amd64");
    if must_link_external(goos, goarch, false) {
        return Some(format!("{goos}/{goarch} requires external linking"));
    }
    if flags.msan {
        return Some("msan".to_owned());
    }
    if flags.asan {
        return Some("asan".to_owned());
    }
    if iscgo && must_link_external(goos, goarch, true) {
        return Some(format!("{goarch} does not support internal cgo"));
    }
    match flags.buildmode.as_str() {
        "c-archive" => Some("buildmode=c-archive".to_owned()),
        "c-shared" if goarch != "wasm" => Some("buildmode=c-shared".to_owned()),
        "pie" if !internal_pie_supported(goos, goarch) => Some("buildmode=pie".to_owned()),
        "plugin" => Some("buildmode=plugin".to_owned()),
        "shared" => Some("buildmode=shared".to_owned()),
        _ => None,
    }
}

/// Decides the link of one main package.
pub fn decide(facts: &LinkFacts, flags: &LinkFlags) -> LinkDecision {
    let not_building = |reason: String, reasons: Vec<String>| LinkDecision {
        mode: "none",
        mode_reason: reason.clone(),
        linkage: Linkage::DoesNotBuild,
        reasons: std::iter::once(reason).chain(reasons).collect(),
        certain: true,
    };
    if let Some((package, error, chain)) = facts.broken.first() {
        let mut reasons = Vec::new();
        if facts.broken.len() > 1 {
            reasons.push(format!(
                "{} more package(s) with errors",
                facts.broken.len() - 1
            ));
        }
        return not_building(
            format!(
                "{package} does not build: {error} (chain: {})",
                chain.join(" > ")
            ),
            reasons,
        );
    }
    let cgo_enabled = facts.cgo_enabled.unwrap_or(true);
    if flags.linkmode == LinkMode::External && !cgo_enabled {
        return not_building(
            "-linkmode requires external (cgo) linking, but cgo is not enabled (CGO_ENABLED=0)"
                .to_owned(),
            Vec::new(),
        );
    }
    // cmd/go adds runtime/cgo to the link when external linking is requested.
    let iscgo = facts.runtime_cgo || (flags.linkmode == LinkMode::External && cgo_enabled);
    let required = external_required(facts, flags, iscgo);
    let externalobj = !facts.host_object_packages.is_empty();
    let (external, mode_reason) = match (flags.linkmode, flags.extlink_enabled) {
        (LinkMode::External, _) => (true, "-linkmode external".to_owned()),
        (LinkMode::Internal, _) => (false, "-linkmode internal".to_owned()),
        (LinkMode::Auto, Some(enabled)) => (
            enabled,
            format!("GO_EXTLINK_ENABLED={}", u8::from(enabled)),
        ),
        (LinkMode::Auto, None) => match &required {
            Some(reason) => (true, format!("external linking is required: {reason}")),
            None if iscgo && externalobj => (
                true,
                format!(
                    "-linkmode auto links externally: runtime/cgo is linked and {} {} C objects the Go linker does not link itself",
                    list(&facts.host_object_packages),
                    if facts.host_object_packages.len() == 1 { "brings" } else { "bring" }
                ),
            ),
            None if iscgo => (
                false,
                "-linkmode auto links internally: only standard-library cgo packages (net, os/user, runtime/cgo) bring C objects".to_owned(),
            ),
            None => (
                false,
                "-linkmode auto links internally: runtime/cgo is not linked".to_owned(),
            ),
        },
    };
    if !external && let Some(reason) = required {
        return not_building(
            format!(
                "internal linking requested ({mode_reason}) but external linking required: {reason}"
            ),
            Vec::new(),
        );
    }
    let mut reasons = Vec::new();
    if external {
        if flags.ext_static_pie() {
            if !flags.pie() {
                return not_building(
                    "-extldflags -static-pie without -buildmode=pie: the C linker cannot make a static PIE of non-PIC Go code".to_owned(),
                    Vec::new(),
                );
            }
            reasons.push(format!(
                "linked externally ({mode_reason}) with -buildmode=pie -extldflags -static-pie"
            ));
            return LinkDecision {
                mode: "external",
                mode_reason,
                linkage: Linkage::StaticPie,
                reasons,
                certain: true,
            };
        }
        if flags.ext_static() {
            reasons.push(format!(
                "linked externally ({mode_reason}) with -extldflags -static: the C linker links libc.a"
            ));
            return LinkDecision {
                mode: "external",
                mode_reason,
                linkage: Linkage::StaticExternal,
                reasons,
                certain: true,
            };
        }
        reasons.push(format!(
            "linked externally ({mode_reason}) without -static: the C linker links libc dynamically"
        ));
        return LinkDecision {
            mode: "external",
            mode_reason,
            linkage: Linkage::Dynamic,
            reasons,
            certain: true,
        };
    }
    // Internal linking.
    if !flags.extldflags.is_empty() {
        reasons.push(format!(
            "-extldflags {} has no effect: the link is internal ({mode_reason})",
            flags.extldflags.join(" ")
        ));
    }
    if iscgo && externalobj {
        if let Some((package, why)) = facts.internal_link_fails.first() {
            return not_building(
                format!("internal linking ({mode_reason}) of {package}'s C objects fails: {why}"),
                reasons,
            );
        }
        reasons.push(format!(
            "the Go linker links the C objects of {} itself ({mode_reason}); it rejects many (`unexpected R_X86_64_64 relocation for dynamic symbol`), and when it accepts them the binary is dynamic",
            list(&facts.host_object_packages)
        ));
        return LinkDecision {
            mode: "internal",
            mode_reason,
            linkage: Linkage::Dynamic,
            reasons,
            certain: false,
        };
    }
    if iscgo {
        reasons.push(format!(
            "runtime/cgo is linked and the link is internal ({mode_reason}): the ELF names the dynamic loader and libc.so.6"
        ));
        return LinkDecision {
            mode: "internal",
            mode_reason,
            linkage: Linkage::Dynamic,
            reasons,
            certain: true,
        };
    }
    if flags.pie() {
        reasons.push(
            "-buildmode=pie linked internally: the PIE needs the dynamic loader (PT_INTERP)"
                .to_owned(),
        );
        return LinkDecision {
            mode: "internal",
            mode_reason,
            linkage: Linkage::Dynamic,
            reasons,
            certain: true,
        };
    }
    if !facts.dynamic_without_cgo.is_empty() {
        reasons.extend(facts.dynamic_without_cgo.iter().cloned());
        return LinkDecision {
            mode: "internal",
            mode_reason,
            linkage: Linkage::Dynamic,
            reasons,
            certain: true,
        };
    }
    LinkDecision {
        mode: "internal",
        mode_reason,
        linkage: Linkage::Static,
        reasons,
        certain: true,
    }
}

fn list(packages: &[String]) -> String {
    let n = packages.len();
    let mut shown: Vec<&str> = packages.iter().take(3).map(String::as_str).collect();
    shown.sort();
    if n > 3 {
        format!("{} and {} more", shown.join(", "), n - 3)
    } else {
        shown.join(", ")
    }
}

/// The packages outside `internalpkg` with host objects (cgo or `.syso` files), whatever
/// is reachable, in index order (which is the order of their ids).
pub fn host_object_candidates(graph: &DepGraph) -> Vec<petgraph::graph::NodeIndex> {
    use crate::model::NodeFacts;
    let internal: BTreeSet<&str> = INTERNAL_PACKAGES.iter().copied().collect();
    graph
        .with_facts(NodeFacts::CGO | NodeFacts::SYSO)
        .filter(|&i| {
            !graph.facts(i).any(NodeFacts::MISSING) && !internal.contains(graph.node(i).id.as_str())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(ldflags: &str) -> LinkFlags {
        LinkFlags::parse(Some(ldflags), None).unwrap()
    }

    fn facts(runtime_cgo: bool, third_party: &[&str]) -> LinkFacts {
        LinkFacts {
            goos: Some("linux".into()),
            goarch: Some("amd64".into()),
            cgo_enabled: Some(true),
            runtime_cgo,
            host_object_packages: third_party.iter().map(|s| s.to_string()).collect(),
            ..LinkFacts::default()
        }
    }

    #[test]
    fn ldflags_parse_like_the_go_command() {
        let f = flags("-s -w -X 'main.v=1 2' -linkmode=external -extldflags \"-fno-PIC -static\"");
        assert_eq!(f.linkmode, LinkMode::External);
        assert_eq!(f.extldflags, vec!["-fno-PIC", "-static"]);
        let f = flags("-extldflags -static -s");
        assert_eq!(f.extldflags, vec!["-static"]);
        assert_eq!(f.linkmode, LinkMode::Auto);
        let f = flags("-linkmode external -linkmode internal");
        assert_eq!(f.linkmode, LinkMode::Internal);
        assert!(LinkFlags::parse(Some("-extldflags '-static"), None).is_err());
    }

    /// What `go build` did on this machine (go1.26.8, linux/amd64), see the module docs.
    #[test]
    fn auto_links_externally_only_for_third_party_host_objects() {
        let static_only = flags("-extldflags '-static'");
        let third = decide(&facts(true, &["github.com/mattn/go-sqlite3"]), &static_only);
        assert_eq!(third.linkage, Linkage::StaticExternal);
        assert_eq!(third.mode, "external");
        let std_only = decide(&facts(true, &[]), &static_only);
        assert_eq!(std_only.linkage, Linkage::Dynamic);
        assert_eq!(std_only.mode, "internal");
        let explicit = decide(
            &facts(true, &[]),
            &flags("-linkmode external -extldflags '-static'"),
        );
        assert_eq!(explicit.linkage, Linkage::StaticExternal);
        let mut no_cgo = facts(false, &[]);
        no_cgo.cgo_enabled = Some(false);
        assert_eq!(decide(&no_cgo, &static_only).linkage, Linkage::Static);
        assert_eq!(
            decide(&no_cgo, &flags("-linkmode external")).linkage,
            Linkage::DoesNotBuild
        );
        let pie = LinkFlags::parse(None, Some("pie")).unwrap();
        assert_eq!(decide(&no_cgo, &pie).linkage, Linkage::Dynamic);
        let static_pie = LinkFlags::parse(Some("-extldflags -static-pie"), Some("pie")).unwrap();
        assert_eq!(
            decide(&facts(true, &["x"]), &static_pie).linkage,
            Linkage::StaticPie
        );
        assert_eq!(
            decide(
                &facts(true, &["x"]),
                &flags("-linkmode external -extldflags -static-pie")
            )
            .linkage,
            Linkage::DoesNotBuild
        );
    }

    #[test]
    fn internal_linking_of_third_party_objects() {
        let internal = flags("-linkmode internal");
        let unknown = decide(&facts(true, &["example.com/c"]), &internal);
        assert_eq!(unknown.linkage, Linkage::Dynamic);
        assert!(!unknown.certain);
        let mut known = facts(true, &["github.com/mattn/go-sqlite3"]);
        known.internal_link_fails = vec![(
            "github.com/mattn/go-sqlite3".into(),
            "unexpected relocation".into(),
        )];
        assert_eq!(decide(&known, &internal).linkage, Linkage::DoesNotBuild);
    }
}
