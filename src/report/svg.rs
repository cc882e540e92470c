//! SVG of a [`Picture`]: Graphviz (`dot -Tsvg`, run through `exec`) when it is installed, else
//! the embedded layout-rs renderer for graphs of at most [`BUILTIN_MAX_NODES`] nodes (it grows
//! roughly cubically); beyond that the DOT is all we can give, and the caller says that
//! Graphviz is needed. The built-in drawing is ours: layout-rs places the boxes and routes the
//! edges, and our own backend writes the SVG, so ids are prefixed (several SVGs live in one
//! HTML page), text is escaped, numbers are rounded (byte-identical output) and the title and
//! legend that layout-rs lacks are drawn around the graph. layout-rs has no clusters: the
//! module of a third-party package is a second line of its label.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use anyhow::{Result, anyhow};
use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::format::{ClipHandle, RenderBackend};
use layout::core::geometry::Point;
use layout::core::style::{LineStyleKind, StyleAttr};
use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
use layout::topo::layout::VisualGraph;

use crate::exec::{self, CommandSpec, NotInstalled};

use super::escape::xml;
use super::picture::{
    CGO_FILL, CHOKE_COLOR, CUT_COLOR, NodeKey, PLAIN_EDGE, Picture, ROOT_FILL, SOURCE_FILL,
};

/// The largest graph (in packages) the built-in renderer draws.
pub const BUILTIN_MAX_NODES: usize = 60;

/// How to install Graphviz.
pub const GRAPHVIZ_INSTALL: &str = "apt-get install graphviz";

/// `--renderer`: who draws SVG.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Renderer {
    /// Graphviz when `dot` is installed, else the built-in renderer (small graphs only).
    #[default]
    Auto,
    /// Graphviz `dot -Tsvg`; an error when it is not installed.
    Graphviz,
    /// The embedded layout-rs renderer (no module clusters; at most 60 packages).
    Builtin,
}

/// What a drawing gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Drawn {
    /// An SVG document.
    Svg(String),
    /// The graph is too large for the built-in renderer and Graphviz is missing: the DOT.
    TooLarge {
        /// The picture as DOT.
        dot: String,
        /// Its number of packages.
        nodes: usize,
    },
}

/// Draws pictures as SVG, remembering what to tell the user once (Graphviz missing, a graph
/// too large for the built-in renderer).
#[derive(Debug)]
pub struct SvgRenderer {
    renderer: Renderer,
    graphviz_missing: bool,
    largest_refused: Option<usize>,
    used_builtin: bool,
}

impl SvgRenderer {
    /// A renderer following `--renderer`.
    pub fn new(renderer: Renderer) -> SvgRenderer {
        SvgRenderer {
            renderer,
            graphviz_missing: false,
            largest_refused: None,
            used_builtin: false,
        }
    }

    /// Draws the picture.
    pub fn draw(&mut self, picture: &Picture) -> Result<Drawn> {
        let mut dot = Vec::new();
        super::dot::write_picture(picture, &mut dot)?;
        if self.renderer != Renderer::Builtin && !self.graphviz_missing {
            let spec = CommandSpec {
                program: "dot".to_owned(),
                args: vec!["-Tsvg".to_owned()],
                install_hint: format!(
                    "install Graphviz ({GRAPHVIZ_INSTALL}), or use --renderer builtin"
                ),
                ..CommandSpec::default()
            };
            match exec::pipe(&spec, &dot) {
                Ok(svg) => {
                    return String::from_utf8(svg)
                        .map(Drawn::Svg)
                        .map_err(|_| anyhow!("`dot -Tsvg` printed invalid UTF-8"));
                }
                Err(err)
                    if self.renderer == Renderer::Auto
                        && err.downcast_ref::<NotInstalled>().is_some() =>
                {
                    self.graphviz_missing = true;
                }
                Err(err) => return Err(err),
            }
        }
        let nodes = picture.nodes.len();
        if nodes > BUILTIN_MAX_NODES {
            self.largest_refused = Some(self.largest_refused.unwrap_or(0).max(nodes));
            return Ok(Drawn::TooLarge {
                dot: String::from_utf8(dot)?,
                nodes,
            });
        }
        self.used_builtin = true;
        builtin(picture)
            .map(Drawn::Svg)
            .ok_or_else(|| anyhow!("the built-in renderer failed on a graph of {nodes} packages: install Graphviz ({GRAPHVIZ_INSTALL})"))
    }

    /// Whether Graphviz was looked for and not found.
    pub fn graphviz_missing(&self) -> bool {
        self.graphviz_missing
    }

    /// What to tell the user, one line each, once per run; `dot_written_to` says where the DOT
    /// of a graph too large to draw went (`to graph.dot`, `into the page`).
    pub fn notes(&self, dot_written_to: &str) -> Vec<String> {
        let mut notes = Vec::new();
        if self.graphviz_missing && self.used_builtin {
            notes.push(format!(
                "note: Graphviz (`dot`) is not installed: SVG drawn by the built-in renderer, without module clusters (install it for the full picture: {GRAPHVIZ_INSTALL})"
            ));
        }
        if let Some(nodes) = self.largest_refused {
            notes.push(format!(
                "warning: Graphviz is needed to draw graphs of more than {BUILTIN_MAX_NODES} packages (the largest has {nodes}): `{GRAPHVIZ_INSTALL}`; the DOT was written instead, {dot_written_to}"
            ));
        }
        notes
    }
}

/// An SVG document as an element for an HTML page: without the XML prolog, DOCTYPE and
/// comments.
pub fn inline(svg: &str) -> String {
    let mut rest = svg;
    let mut out = String::with_capacity(svg.len());
    loop {
        let skip = ["<?", "<!"]
            .iter()
            .filter_map(|open| rest.find(open).map(|at| (at, *open)))
            .min();
        let Some((at, open)) = skip else {
            out.push_str(rest);
            break;
        };
        out.push_str(&rest[..at]);
        let close = match open {
            "<?" => "?>",
            _ if rest[at..].starts_with("<!--") => "-->",
            _ => ">",
        };
        match rest[at..].find(close) {
            Some(end) => rest = &rest[at + end + close.len()..],
            None => break,
        }
    }
    out.trim().to_owned() + "\n"
}

const FONT: &str = "Helvetica,Arial,sans-serif";
const NODE_FONT: usize = 14;
const EDGE_FONT: usize = 12;
const CHAR_WIDTH: f64 = 8.0;
const LINE_HEIGHT: f64 = 17.0;

fn color(hex: &str) -> Color {
    Color::fast(hex)
}

/// `#rrggbbaa` (layout-rs) to `#rrggbb` plus an opacity when not opaque.
fn web(color: Color) -> (String, Option<f64>) {
    let rgba = color.to_web_color();
    let alpha = u8::from_str_radix(&rgba[7..9], 16).unwrap_or(255);
    let opacity = (alpha != 255).then(|| f64::from(alpha) / 255.0);
    (rgba[..7].to_owned(), opacity)
}

fn num(x: f64) -> String {
    let rounded = (x * 10.0).round() / 10.0;
    if rounded == 0.0 {
        "0".to_owned()
    } else {
        format!("{rounded}")
    }
}

fn text_width(text: &str, font: usize) -> f64 {
    let longest = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    longest as f64 * CHAR_WIDTH * font as f64 / NODE_FONT as f64
}

/// The SVG canvas layout-rs draws on.
struct Canvas {
    prefix: String,
    body: String,
    min: (f64, f64),
    max: (f64, f64),
    /// A node's box was drawn and its group is open until its label is drawn.
    open_node: bool,
    markers: BTreeSet<String>,
    paths: usize,
}

impl Canvas {
    fn new(prefix: &str) -> Canvas {
        Canvas {
            prefix: prefix.to_owned(),
            body: String::new(),
            min: (f64::MAX, f64::MAX),
            max: (f64::MIN, f64::MIN),
            open_node: false,
            markers: BTreeSet::new(),
            paths: 0,
        }
    }

    fn grow(&mut self, x: f64, y: f64) {
        self.min = (self.min.0.min(x), self.min.1.min(y));
        self.max = (self.max.0.max(x), self.max.1.max(y));
    }

    fn marker_id(&self, color: &str) -> String {
        format!("{}-arrow-{}", self.prefix, color.trim_start_matches('#'))
    }

    fn text(&mut self, xy: Point, text: &str, font: usize, fill: &str, weight: &str) {
        let lines: Vec<&str> = text.lines().collect();
        let n = lines.len().max(1) as f64;
        let half_width = text_width(text, font) / 2.0;
        self.grow(xy.x - half_width, xy.y - n * LINE_HEIGHT / 2.0);
        self.grow(xy.x + half_width, xy.y + n * LINE_HEIGHT / 2.0);
        let first = xy.y - (n - 1.0) * LINE_HEIGHT / 2.0;
        let _ = write!(
            self.body,
            r#"<text x="{}" y="{}" text-anchor="middle" dominant-baseline="central" font-size="{font}" fill="{fill}"{weight}>"#,
            num(xy.x),
            num(first),
        );
        for (i, line) in lines.iter().enumerate() {
            let dy = if i == 0 {
                "0".to_owned()
            } else {
                num(LINE_HEIGHT)
            };
            let (size, color) = if i == 0 {
                (String::new(), String::new())
            } else {
                (
                    format!(r#" font-size="{}""#, font.saturating_sub(2)),
                    r##" fill="#595959""##.to_owned(),
                )
            };
            let _ = write!(
                self.body,
                r#"<tspan x="{}" dy="{dy}"{size}{color}>{}</tspan>"#,
                num(xy.x),
                // node_label made each line safe text already; only markup is left to escape.
                super::escape::html(line)
            );
        }
        self.body.push_str("</text>\n");
    }
}

impl RenderBackend for Canvas {
    fn draw_rect(
        &mut self,
        xy: Point,
        size: Point,
        look: &StyleAttr,
        properties: Option<String>,
        _clip: Option<ClipHandle>,
    ) {
        self.grow(xy.x, xy.y);
        self.grow(xy.x + size.x, xy.y + size.y);
        let (fill, fill_opacity) = web(look.fill_color.unwrap_or_else(Color::transparent));
        let (stroke, _) = web(look.line_color);
        let fill = match fill_opacity {
            Some(0.0) => "none".to_owned(),
            _ => fill,
        };
        if let Some(id) = properties {
            let _ = write!(
                self.body,
                r#"<g id="{}-{}" class="node">"#,
                self.prefix,
                xml(&id)
            );
            self.open_node = true;
        }
        let _ = writeln!(
            self.body,
            r#"<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="{fill}" stroke="{stroke}" stroke-width="{}"/>"#,
            num(xy.x),
            num(xy.y),
            num(size.x),
            num(size.y),
            look.line_width,
        );
    }

    fn draw_line(
        &mut self,
        start: Point,
        stop: Point,
        look: &StyleAttr,
        _properties: Option<String>,
    ) {
        self.grow(start.x, start.y);
        self.grow(stop.x, stop.y);
        let (stroke, _) = web(look.line_color);
        let _ = writeln!(
            self.body,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{stroke}" stroke-width="{}"/>"#,
            num(start.x),
            num(start.y),
            num(stop.x),
            num(stop.y),
            look.line_width
        );
    }

    fn draw_circle(
        &mut self,
        xy: Point,
        size: Point,
        look: &StyleAttr,
        _properties: Option<String>,
    ) {
        self.grow(xy.x - size.x / 2.0, xy.y - size.y / 2.0);
        self.grow(xy.x + size.x / 2.0, xy.y + size.y / 2.0);
        let (fill, _) = web(look.fill_color.unwrap_or_else(Color::transparent));
        let (stroke, _) = web(look.line_color);
        let _ = writeln!(
            self.body,
            r#"<ellipse cx="{}" cy="{}" rx="{}" ry="{}" fill="{fill}" stroke="{stroke}"/>"#,
            num(xy.x),
            num(xy.y),
            num(size.x / 2.0),
            num(size.y / 2.0)
        );
    }

    fn draw_text(&mut self, xy: Point, text: &str, look: &StyleAttr) {
        if self.open_node {
            self.text(xy, text, look.font_size, "#000000", "");
            self.body.push_str("</g>\n");
            self.open_node = false;
        } else {
            // An edge label (layout-rs turns it into a connector node).
            let (fill, _) = web(look.line_color);
            self.text(xy, text, look.font_size, &fill, "");
        }
    }

    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        dashed: bool,
        head: (bool, bool),
        look: &StyleAttr,
        _properties: Option<String>,
        text: &str,
    ) {
        if path.len() < 2 {
            return;
        }
        for (a, b) in path {
            self.grow(a.x, a.y);
            self.grow(b.x, b.y);
        }
        let mut d = format!(
            "M {} {} C {} {}, {} {}, {} {}",
            num(path[0].0.x),
            num(path[0].0.y),
            num(path[0].1.x),
            num(path[0].1.y),
            num(path[1].0.x),
            num(path[1].0.y),
            num(path[1].1.x),
            num(path[1].1.y)
        );
        for (a, b) in &path[2..] {
            let _ = write!(d, " S {} {}, {} {}", num(a.x), num(a.y), num(b.x), num(b.y));
        }
        let (stroke, _) = web(look.line_color);
        let marker = if head.1 {
            self.markers.insert(stroke.clone());
            format!(r#" marker-end="url(#{})""#, self.marker_id(&stroke))
        } else {
            String::new()
        };
        let dash = if dashed {
            r#" stroke-dasharray="5,4""#
        } else {
            ""
        };
        let id = format!("{}-e{}", self.prefix, self.paths);
        self.paths += 1;
        let _ = writeln!(
            self.body,
            r#"<path id="{id}" class="edge" d="{d}" fill="none" stroke="{stroke}" stroke-width="{}"{dash}{marker}/>"#,
            look.line_width
        );
        if !text.is_empty() {
            let _ = writeln!(
                self.body,
                r##"<text font-size="{}" fill="{stroke}"><textPath href="#{id}" startOffset="50%" text-anchor="middle">{}</textPath></text>"##,
                look.font_size,
                // Edge labels were made safe text when the layout was built.
                super::escape::html(text)
            );
        }
    }

    fn create_clip(&mut self, _xy: Point, _size: Point, _rounded_px: usize) -> ClipHandle {
        0
    }
}

/// The label layout-rs draws: the package and, for a third-party package, its module (crates
/// carry their version in their id already).
fn node_label(label: &str, module: Option<&str>) -> String {
    let mut text = super::escape::text_line(label).into_owned();
    if let Some(module) = module
        && module != "standard library"
        && module != label
        && !module.ends_with("(main module)")
    {
        text.push('\n');
        text.push_str(&super::escape::text_line(module));
    }
    text
}

/// Draws the picture with layout-rs and our canvas; `None` if layout-rs panicked.
fn builtin(picture: &Picture) -> Option<String> {
    let prefix = picture.id.clone().unwrap_or_else(|| "g".to_owned());
    let mut canvas = Canvas::new(&prefix);
    if !picture.nodes.is_empty() {
        let drawn = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut canvas = Canvas::new(&prefix);
            let mut vg = VisualGraph::new(Orientation::TopToBottom);
            let handles: Vec<_> = picture
                .nodes
                .iter()
                .enumerate()
                .map(|(n, node)| {
                    let text = node_label(&node.label, node.module.as_deref());
                    let lines = text.lines().count().max(1) as f64;
                    let size = Point::new(
                        text_width(&text, NODE_FONT) + 24.0,
                        lines * LINE_HEIGHT + 14.0,
                    );
                    let (fill, width) = if node.source {
                        (SOURCE_FILL, 2)
                    } else if node.root {
                        (ROOT_FILL, 1)
                    } else if node.cgo {
                        (CGO_FILL, 1)
                    } else {
                        ("#ffffff", 1)
                    };
                    let (line, width) = if node.choke {
                        (CHOKE_COLOR, 3)
                    } else if node.cut {
                        (CUT_COLOR, 3)
                    } else {
                        ("#000000", width)
                    };
                    let look = StyleAttr::new(color(line), width, Some(color(fill)), 0, NODE_FONT);
                    let element = Element::create_with_properties(
                        ShapeKind::Box(text),
                        look,
                        Orientation::LeftToRight,
                        size,
                        format!("n{n}"),
                    );
                    vg.add_node(element)
                })
                .collect();
            for edge in &picture.edges {
                let (line, width) = match edge.paint {
                    Some(paint) => (paint.color(), 2),
                    None => (PLAIN_EDGE, 1),
                };
                let look = StyleAttr::new(color(line), width, None, 0, EDGE_FONT);
                let style = if edge.dashed {
                    LineStyleKind::Dashed
                } else {
                    LineStyleKind::Normal
                };
                let label = edge
                    .label
                    .as_deref()
                    .map(super::escape::text_line)
                    .unwrap_or_default();
                let arrow = Arrow::new(
                    LineEndKind::None,
                    LineEndKind::Arrow,
                    style,
                    &label,
                    &look,
                    &None,
                    &None,
                );
                vg.add_edge(arrow, handles[edge.from], handles[edge.to]);
            }
            vg.do_it(false, false, false, &mut canvas);
            canvas
        }));
        canvas = drawn.ok()?;
    }
    Some(frame(picture, canvas))
}

/// Wraps the drawn graph with the title above and the legend below.
fn frame(picture: &Picture, canvas: Canvas) -> String {
    const MARGIN: f64 = 12.0;
    const TITLE_FONT: usize = 16;
    let (graph_width, graph_height) = if canvas.body.is_empty() {
        (0.0, 0.0)
    } else {
        (canvas.max.0 - canvas.min.0, canvas.max.1 - canvas.min.1)
    };
    let title_height = picture.title.len() as f64 * 20.0 + 8.0;
    let title_width = picture
        .title
        .iter()
        .map(|line| text_width(line, TITLE_FONT))
        .fold(0.0, f64::max);

    // Legend entries: (swatch, words), laid out in rows.
    let mut legend = String::new();
    let mut entries: Vec<(String, String)> = Vec::new();
    for key in picture.node_keys() {
        let (fill, stroke, width) = match key {
            NodeKey::Root => (ROOT_FILL, "#000000", 1),
            NodeKey::Source => (SOURCE_FILL, "#000000", 2),
            NodeKey::Choke => ("#ffffff", CHOKE_COLOR, 3),
            NodeKey::Cut => ("#ffffff", CUT_COLOR, 3),
            NodeKey::Cgo => (CGO_FILL, "#000000", 1),
        };
        entries.push((
            format!(
                r#"<rect x="0" y="-8" width="26" height="16" rx="2" fill="{fill}" stroke="{stroke}" stroke-width="{width}"/>"#
            ),
            picture.node_key_label(key),
        ));
    }
    for paint in picture.paints() {
        let stroke = paint.color();
        entries.push((
            format!(
                r#"<line x1="0" y1="0" x2="26" y2="0" stroke="{stroke}" stroke-width="2" marker-end="url(#{}-arrow-{})"/>"#,
                canvas.prefix,
                stroke.trim_start_matches('#')
            ),
            paint.legend().to_owned(),
        ));
    }
    let mut markers = canvas.markers.clone();
    for paint in picture.paints() {
        markers.insert(paint.color().to_owned());
    }
    let content_width = graph_width.max(title_width).max(480.0);
    let (mut x, mut y) = (0.0, 14.0);
    let mut legend_width: f64 = 0.0;
    for (swatch, words) in &entries {
        let width = 34.0 + text_width(words, 12) + 18.0;
        if x > 0.0 && x + width > content_width {
            x = 0.0;
            y += 22.0;
        }
        let _ = write!(
            legend,
            r#"<g transform="translate({},{})">{swatch}<text x="34" y="0" dominant-baseline="central" font-size="12">{}</text></g>"#,
            num(x),
            num(y),
            xml(words)
        );
        x += width;
        legend_width = legend_width.max(x);
    }
    let legend_height = if entries.is_empty() { 0.0 } else { y + 16.0 };

    let width = content_width.max(legend_width) + 2.0 * MARGIN;
    let graph_top = MARGIN + title_height;
    let legend_top = graph_top + graph_height + if graph_height > 0.0 { 16.0 } else { 0.0 };
    let height = legend_top + legend_height + MARGIN;

    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}pt" height="{h}pt" viewBox="0 0 {w} {h}" id="{}" class="audit-graph" font-family="{FONT}">"#,
        xml(&canvas.prefix),
        w = num(width),
        h = num(height),
    );
    out.push_str("<defs>");
    for stroke in &markers {
        let _ = write!(
            out,
            r#"<marker id="{}" viewBox="0 0 10 7" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="6.3" refX="9" refY="3.5" orient="auto"><polygon points="0 0, 10 3.5, 0 7" fill="{stroke}"/></marker>"#,
            canvas.marker_id(stroke)
        );
    }
    out.push_str("</defs>\n");
    let _ = writeln!(
        out,
        r##"<rect x="0" y="0" width="{}" height="{}" fill="#ffffff"/>"##,
        num(width),
        num(height)
    );
    for (i, line) in picture.title.iter().enumerate() {
        let weight = if i == 0 { r#" font-weight="bold""# } else { "" };
        let size = if i == 0 { TITLE_FONT } else { 13 };
        let _ = writeln!(
            out,
            r#"<text class="title" x="{}" y="{}" text-anchor="middle" font-size="{size}"{weight}>{}</text>"#,
            num(width / 2.0),
            num(MARGIN + 14.0 + i as f64 * 20.0),
            xml(line)
        );
    }
    if !canvas.body.is_empty() {
        let _ = writeln!(
            out,
            r#"<g class="graph" transform="translate({},{})">"#,
            num(MARGIN + (width - 2.0 * MARGIN - graph_width) / 2.0 - canvas.min.0),
            num(graph_top - canvas.min.1)
        );
        out.push_str(&canvas.body);
        out.push_str("</g>\n");
    }
    if !legend.is_empty() {
        let _ = writeln!(
            out,
            r#"<g class="legend" transform="translate({},{})">{legend}</g>"#,
            num(MARGIN),
            num(legend_top)
        );
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::picture::{PicEdge, PicNode};

    fn picture(labels: &[&str]) -> Picture {
        Picture {
            title: vec!["audit why x".to_owned(), "config".to_owned()],
            nodes: labels
                .iter()
                .enumerate()
                .map(|(n, label)| PicNode {
                    label: (*label).to_owned(),
                    module: Some("example.com/m@v1.0.0".to_owned()),
                    root: n == 0,
                    source: n + 1 == labels.len(),
                    choke: false,
                    cut: false,
                    cgo: false,
                })
                .collect(),
            edges: (1..labels.len())
                .map(|n| PicEdge {
                    from: n - 1,
                    to: n,
                    paint: None,
                    label: None,
                    dashed: false,
                })
                .collect(),
            source_word: "target".to_owned(),
            id: Some("p1".to_owned()),
        }
    }

    #[test]
    fn builtin_escapes_and_is_deterministic() {
        let picture = picture(&["main", "evil\"<script>&\n", "c"]);
        let first = builtin(&picture).unwrap();
        assert_eq!(first, builtin(&picture).unwrap());
        assert!(!first.contains("<script"), "{first}");
        assert!(
            first.contains("evil&quot;&lt;script&gt;&amp;\\n"),
            "{first}"
        );
        assert!(first.contains(r#"id="p1-n1""#));
    }

    #[test]
    fn builtin_draws_an_empty_picture() {
        let svg = builtin(&picture(&[])).unwrap();
        assert!(svg.contains("audit why x"));
    }

    #[test]
    fn inline_strips_prolog_doctype_and_comments() {
        let svg = "<?xml version=\"1.0\"?>\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\"\n \"x\">\n<!-- Generated -->\n<svg><!-- n0 --><g/></svg>\n";
        assert_eq!(inline(svg), "<svg><g/></svg>\n");
    }
}
