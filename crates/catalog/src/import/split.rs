//! Splits a block-style `registry:` mapping into one small YAML document per entry, so entries can
//! be parsed independently: in parallel, and with a syntax error costing only its own entry.
//!
//! Only the common, simple shape is split (a top-level `registry:` line followed by entries at one
//! consistent indentation). Anything else, such as flow style or a key on the `registry:` line,
//! returns `None` and the caller parses the whole document instead.

/// One entry's text, dedented so it is a one-key mapping, and the line it starts on (1-based).
pub struct Chunk<'a> {
    pub line: usize,
    pub lines: Vec<&'a str>,
    pub indent: usize,
}

impl Chunk<'_> {
    pub fn text(&self) -> String {
        let mut s = String::with_capacity(self.lines.iter().map(|l| l.len() + 1).sum());
        for l in &self.lines {
            s.push_str(l.get(self.indent..).unwrap_or_else(|| l.trim_start()));
            s.push('\n');
        }
        s
    }
}

/// The document without its registry body, and the entries of the body.
pub struct Split<'a> {
    pub header: String,
    pub entries: Vec<Chunk<'a>>,
}

fn is_blank_or_comment(l: &str) -> bool {
    let t = l.trim_start();
    t.is_empty() || t.starts_with('#')
}

pub fn split_registry(text: &str) -> Option<Split<'_>> {
    let lines: Vec<&str> = text.lines().collect();
    // Tabs, and document markers past the first line, are left to the full parser.
    let markers = lines.iter().skip(1).any(|l| l.starts_with("---") || l.starts_with("..."));
    if markers || lines.iter().any(|l| l.starts_with('\t')) {
        return None;
    }
    let start = lines.iter().position(|l| {
        l.strip_prefix("registry:")
            .is_some_and(|rest| rest.trim().is_empty() || rest.trim_start().starts_with('#'))
    })?;
    // The body runs until the next line that starts in column 0 and is not a comment.
    let end = lines[start + 1..]
        .iter()
        .position(|l| !l.is_empty() && !l.starts_with([' ', '#']))
        .map_or(lines.len(), |p| start + 1 + p);
    let body = &lines[start + 1..end];
    let first = body.iter().find(|l| !is_blank_or_comment(l))?;
    let indent = first.len() - first.trim_start_matches(' ').len();
    if indent == 0 {
        return None;
    }
    let mut entries: Vec<Chunk<'_>> = Vec::new();
    for (i, l) in body.iter().enumerate() {
        let lead = l.len() - l.trim_start_matches(' ').len();
        let content = &l[lead..];
        if is_blank_or_comment(l) {
            if let Some(c) = entries.last_mut() {
                c.lines.push(if lead >= indent { l } else { "" });
            }
            continue;
        }
        if lead < indent {
            return None;
        }
        if lead == indent {
            // A new key of the registry map. Sequences or flow content here are not the simple shape.
            if content.starts_with(['-', '{', '[', '?', '&', '*', '!', '|', '>']) {
                return None;
            }
            entries.push(Chunk { line: start + 2 + i, lines: vec![l], indent });
        } else {
            entries.last_mut()?.lines.push(l);
        }
    }
    let mut header = String::new();
    for l in lines[..start].iter().chain(&lines[end..]) {
        header.push_str(l);
        header.push('\n');
    }
    Some(Split { header, entries })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_the_simple_shape_and_refuses_others() {
        let text = "version: 2\nregistry:\n  a:\n    title: A\n    # note\n    image: x\n\n  b:\n    image: y\nname: cat\n";
        let s = split_registry(text).unwrap();
        assert_eq!(s.entries.len(), 2);
        assert_eq!(s.entries[0].text(), "a:\n  title: A\n  # note\n  image: x\n\n");
        assert_eq!(s.entries[1].line, 8);
        assert_eq!(s.header, "version: 2\nname: cat\n");
        assert!(split_registry("registry: {a: {image: x}}\n").is_none());
        assert!(split_registry("registry:\n- a\n").is_none());
        assert!(split_registry("registry:\n    a:\n      image: x\n  b:\n    image: y\n").is_none());
    }
}
