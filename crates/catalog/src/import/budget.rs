//! Budgets for YAML before it is parsed for real: a catalog is someone else's text, and YAML can
//! make a small file expensive (anchors aliased over and over, nesting thousands of levels deep).
//! Text that could do either is first walked by `serde-saphyr` under a budget of depth, anchors,
//! aliases and nodes; what breaks it is refused, with the reason, before any value is built.

use serde_saphyr::{Error, Options};

use crate::CatalogError;

/// Deeper than any catalog entry needs; the importers' own recursion limit is higher.
const MAX_DEPTH: usize = 64;
/// Real catalogs use none; a few for shared snippets are fine.
const MAX_ANCHORS: usize = 100;
const MAX_ALIASES: usize = 100;
/// Nodes after aliases are expanded: several times the largest catalog Berth accepts.
const MAX_NODES: usize = 5_000_000;

/// Whether `text` could hold an anchor (which aliases repeat), or nest deeper than the budget:
/// only such text pays for the budget walk. It errs towards yes (an `&` in prose may count);
/// plain catalogs, such as all of Docker's, say no.
fn could_be_costly(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut flow_depth = 0usize;
    let mut line_start = true;
    let mut indent = 0usize;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            // An alias can only repeat an anchor of the same document, so anchors are the tell.
            b'&' => {
                let before = if i == 0 { b' ' } else { bytes[i - 1] };
                let after = bytes.get(i + 1).copied().unwrap_or(b' ');
                let token_start =
                    matches!(before, b' ' | b'\t' | b'\n' | b'\r' | b'[' | b'{' | b',' | b':' | b'-');
                if token_start && !matches!(after, b' ' | b'\t' | b'\n' | b'\r' | b',' | b']' | b'}') {
                    return true;
                }
            }
            b'[' | b'{' => {
                flow_depth += 1;
                if flow_depth > MAX_DEPTH / 2 {
                    return true;
                }
            }
            b']' | b'}' => flow_depth = flow_depth.saturating_sub(1),
            _ => {}
        }
        // Block nesting needs indentation (or `- - -` runs): a very deep start of a line.
        match b {
            b'\n' => {
                line_start = true;
                indent = 0;
            }
            b' ' | b'-' if line_start => {
                indent += 1;
                if indent > MAX_DEPTH * 2 {
                    return true;
                }
            }
            _ => line_start = false,
        }
    }
    false
}

/// Refuses YAML that breaks the budget; anything else is left to the importer to judge.
pub(crate) fn check(text: &str) -> Result<(), CatalogError> {
    if !could_be_costly(text) {
        return Ok(());
    }
    let options: Options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
            max_anchors: MAX_ANCHORS,
            max_aliases: MAX_ALIASES,
            max_nodes: MAX_NODES,
        },
    };
    let too_costly = |what: String| {
        Err(CatalogError::TooComplex(format!(
            "{what}; Berth reads catalogs up to {MAX_DEPTH} levels deep with at most {MAX_ALIASES} aliases"
        )))
    };
    let walked = serde_saphyr::from_str_with_options::<serde::de::IgnoredAny>(text, options);
    match walked.as_ref().map_err(Error::without_snippet) {
        Err(Error::Budget { breach, .. }) => too_costly(format!("it breaks a parsing budget ({breach:?})")),
        Err(
            e @ (Error::AliasReplayLimitExceeded { .. }
            | Error::AliasExpansionLimitExceeded { .. }
            | Error::AliasReplayStackDepthExceeded { .. }),
        ) => too_costly(format!("its aliases expand too far ({})", e.without_snippet())),
        // The parser's own guard against nesting deeper than it can follow.
        Err(Error::ExternalMessage { msg, .. }) if msg.contains("recursion limit") => {
            too_costly("it nests deeper than Berth reads".into())
        }
        // Anything else (a syntax the walk reads differently, say) is the importer's to judge.
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_catalogs_skip_the_walk_and_bombs_are_refused_at_once() {
        assert!(!could_be_costly(
            "registry:\n  a:\n    description: Q&A, 2*3 and [a, [b]]\n    image: x/y\n"
        ));
        let mut amp = String::from("registry:\n  bomb:\n    image: x/y\n    x: &a [");
        amp.push_str(&vec!["xxxxxxxx"; 1000].join(","));
        amp.push_str("]\n    y:\n");
        while amp.len() < 4_000_000 {
            amp.push_str("      - *a\n");
        }
        let deep = format!("registry:\n  deep:\n    x: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        let blocks: String = (0..200).map(|i| format!("{}- \n", " ".repeat(i * 2))).collect();
        // How quickly is the catalog benchmark's business; here, that they are refused.
        for bomb in [amp.as_str(), deep.as_str(), blocks.as_str()] {
            let e = check(bomb).unwrap_err();
            assert!(matches!(e, CatalogError::TooComplex(_)), "{e}");
        }
        assert!(check("a: &x 1\nb: *x\n").is_ok(), "a few aliases are fine");
    }
}
