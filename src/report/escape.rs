//! Escaping for every output language, one function per language, used for every piece of
//! data that reaches it (package paths, versions, library names, rule text, linker lines):
//! plain text through [`text_line`], HTML through [`html`], SVG/XML through [`xml`], DOT
//! through [`dot`] (dot-writer escapes nothing), GitHub workflow commands through
//! [`workflow_data`] and [`workflow_property`]. JSON is serde's. Control characters (ESC and
//! BEL included) and the Unicode bidirectional controls (U+202A..U+202E, U+2066..U+2069,
//! U+200E, U+200F, U+061C), which can make a terminal or a browser show text other than what
//! it is, are shown as visible `\u{...}` escapes everywhere.

use std::borrow::Cow;

/// Escapes text for a double-quoted DOT string: `\` and `"` are escaped, line breaks become
/// `\n` (a centred line break in a label), other control characters are dropped, and `&`
/// becomes `&amp;` (Graphviz decodes entities in labels, so `&lt;` would otherwise show as `<`).
pub fn dot(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '&' => out.push_str("&amp;"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c if is_bidi_control(c) => visible(c, &mut out),
            c => out.push(c),
        }
    }
    out
}

/// True for the Unicode bidirectional formatting characters.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
    )
}

/// Characters never shown raw: control characters and bidi controls.
fn is_hidden(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

fn visible(c: char, out: &mut String) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
    }
}

/// Makes text safe for one line of plain-text output: control characters (newlines, ESC,
/// BEL) and bidi controls are shown as escapes, and a backslash as `\\`, so a hostile
/// package path can neither forge lines, colour the terminal, reorder what is shown, nor pass
/// for an escape. Text with nothing to escape comes back borrowed.
pub fn text_line(text: &str) -> Cow<'_, str> {
    // Printable ASCII but the backslash (nearly every id and file name): nothing to escape,
    // told by bytes, without decoding characters.
    // (A fold with no early exit: the compiler checks many bytes at a time.)
    let plain = text.bytes().fold(true, |plain, b| {
        plain & (b' '..=b'~').contains(&b) & (b != b'\\')
    });
    if plain || !text.chars().any(|c| is_hidden(c) || c == '\\') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c == '\\' {
            out.push_str("\\\\");
        } else if is_hidden(c) {
            visible(c, &mut out);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Escapes the message of a GitHub workflow command (`::error ...::MESSAGE`): `%`, CR and LF
/// as the runner decodes them, and every other control or bidi character as a visible escape
/// (the runner writes the rest to the log raw).
pub fn workflow_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c if is_hidden(c) => visible(c, &mut out),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a Mermaid node label (inside `["..."]`): entity codes for the characters Mermaid
/// treats as syntax or markup (`"`, `#`, `<`, `>`, `&`, `` ` ``, `[`, `]`, `{`, `}`, `|`), and
/// text escapes for control and bidi characters.
pub fn mermaid(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text_line(text).chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '`' => out.push_str("#96;"),
            '[' => out.push_str("#91;"),
            ']' => out.push_str("#93;"),
            '{' => out.push_str("#123;"),
            '}' => out.push_str("#125;"),
            '|' => out.push_str("#124;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a property value of a workflow command (`file=`, `title=`): as data, plus `:` and
/// `,`, which end a property.
pub fn workflow_property(text: &str) -> String {
    workflow_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Escapes text for HTML element content and double- or single-quoted attribute values:
/// `& < > " '` become character references. Line breaks and tabs are kept (inside `<pre>`
/// they are the text's own); other control characters are shown as escapes.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            c if is_hidden(c) => visible(c, &mut out),
            c => out.push(c),
        }
    }
    out
}

/// [`html`] for one line: line breaks too are shown as escapes (for package paths).
pub fn html_line(text: &str) -> String {
    html(&text_line(text))
}

/// Escapes text for XML (standalone SVG) content and attribute values. Every control
/// character, line breaks included, is shown as an escape: XML 1.0 forbids most of them, and a
/// label is one line per call.
pub fn xml(text: &str) -> String {
    html(&text_line(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_escapes_quotes_backslashes_and_newlines() {
        assert_eq!(dot("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn html_and_xml_escape_markup() {
        assert_eq!(
            html("<script>&\"'\u{1}"),
            "&lt;script&gt;&amp;&quot;&#39;\\u{1}"
        );
        assert_eq!(xml("a\n<b>"), "a\\n&lt;b&gt;");
        assert_eq!(dot("a&lt;b"), "a&amp;lt;b");
    }

    #[test]
    fn text_line_shows_control_characters() {
        assert_eq!(text_line("a\nb"), "a\\nb");
        assert_eq!(text_line("plain"), "plain");
        assert_eq!(text_line("libfoo\u{1b}[31m"), "libfoo\\u{1b}[31m");
        assert_eq!(text_line("evil\u{202e}txt.go"), "evil\\u{202e}txt.go");
        // A literal backslash cannot pass for an escape.
        assert_eq!(text_line("a\\nb"), "a\\\\nb");
        assert_ne!(text_line("a\\nb"), text_line("a\nb"));
        // Anywhere in a long id (the plain test reads many bytes at a time), and only what
        // is hidden: printable non-ASCII stays.
        let long = "github.com/example-organization/some-module/v2/internal/pkg";
        assert!(matches!(text_line(long), Cow::Borrowed(_)));
        assert!(matches!(text_line("github.com/é/ü"), Cow::Borrowed(_)));
        for at in [0, 17, 33, long.len()] {
            for (byte, shown) in [("\u{7f}", "\\u{7f}"), ("\t", "\\t"), ("\\", "\\\\")] {
                let text = format!("{}{byte}{}", &long[..at], &long[at..]);
                let want = format!("{}{shown}{}", &long[..at], &long[at..]);
                assert_eq!(text_line(&text), want, "{text:?}");
            }
        }
    }

    #[test]
    fn workflow_commands_escape_every_control() {
        assert_eq!(workflow_data("50%\n\u{7}\u{1b}"), "50%25%0A\\u{7}\\u{1b}");
        assert_eq!(workflow_property("a:b,c"), "a%3Ab%2Cc");
        assert_eq!(html("x\u{202e}y"), "x\\u{202e}y");
    }
}
