//! Untrusted text (catalog titles and descriptions, deep links, what servers print) as a user
//! should see it: terminal escape sequences, control characters and invisible characters are
//! shown as `<U+XXXX>`, never obeyed by a terminal or hidden from a reader.

/// Characters that change how text reads without being seen: bidirectional controls, zero-width
/// characters and other format characters.
pub fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00ad}' | '\u{061c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
}

fn shown(text: &str, keep: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if (c.is_control() || is_invisible(c)) && !keep(c) {
            out.push_str(&format!("<U+{:04X}>", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// One line of untrusted text: every control and invisible character made visible.
pub fn visible(text: &str) -> String {
    shown(text, |_| false)
}

/// Untrusted text of several lines: line breaks and tabs kept, everything else made visible.
pub fn visible_lines(text: &str) -> String {
    shown(text, |c| c == '\n' || c == '\t')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_invisible_characters_are_shown() {
        assert_eq!(visible("a\u{202e}b\u{200b}c"), "a<U+202E>b<U+200B>c");
        assert_eq!(visible("plain/route"), "plain/route");
        assert_eq!(visible("x\u{1b}[31m"), "x<U+001B>[31m");
        assert_eq!(visible_lines("one\ntwo\t\u{1b}]0;title\u{7}"), "one\ntwo\t<U+001B>]0;title<U+0007>");
        assert_eq!(visible("a\nb\r"), "a<U+000A>b<U+000D>");
    }
}
