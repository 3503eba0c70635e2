//! Ranked full-text search over catalog items: BM25F across weighted fields (name, title,
//! tags/category, tool names, description), with search-as-you-type prefix matching on the last
//! word and character bigrams for Japanese text.
//!
//! The index is rebuilt whenever the catalog changes (imports are rare, queries are per
//! keystroke), so it is laid out for query speed: a term dictionary, postings with precomputed
//! field-weighted term frequencies, and a sorted term list for prefix expansion.

use rustc_hash::FxHashMap;

use serde::Serialize;
use ts_rs::TS;

use crate::{CatalogItem, ItemKind};

/// BM25 saturation and length normalisation.
const K1: f32 = 1.2;
const B: f32 = 0.75;
/// A prefix (not whole-word) match on the last query word counts this much of a full match.
const PREFIX_FACTOR: f32 = 0.7;
/// A query whose words are exactly an item's name or title words multiplies its score by this.
const EXACT_BOOST: f32 = 1.3;
/// At most this many dictionary terms are expanded from one prefix.
const MAX_PREFIX_TERMS: usize = 64;

#[derive(Clone, Copy)]
enum Field {
    Name,
    Title,
    Tags,
    Tools,
    Description,
}

const FIELDS: usize = 5;

impl Field {
    fn weight(self) -> f32 {
        match self {
            Field::Name => 3.0,
            Field::Title => 3.0,
            Field::Tags => 2.0,
            Field::Tools => 1.5,
            Field::Description => 1.0,
        }
    }
}

/// Filters applied on top of the text query.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
pub struct SearchFilters {
    /// Only items of this kind.
    pub kind: Option<ItemKind>,
    /// Only items that sign in with OAuth.
    pub needs_oauth: Option<bool>,
    /// Only items that need (or do not need) secrets.
    pub needs_secrets: Option<bool>,
}

/// One result: the item's position in the indexed list and its score.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SearchHit {
    pub index: usize,
    pub score: f32,
}

/// The search index over a list of items (the list itself stays with the caller).
pub struct CatalogIndex {
    terms: FxHashMap<String, u32>,
    /// Every term, sorted, for prefix lookups.
    sorted_terms: Vec<(String, u32)>,
    /// Per term: (document, field-weighted normalised term frequency).
    postings: Vec<Vec<(u32, f32)>>,
    /// Per document: a multiplier from how complete and how easy to set up the entry is.
    prior: Vec<f32>,
    meta: Vec<DocMeta>,
    /// Per document: its name's and title's words joined by spaces, for exact-match detection.
    exact: Vec<[String; 2]>,
}

#[derive(Clone, Copy)]
struct DocMeta {
    kind: ItemKind,
    oauth: bool,
    secrets: bool,
}

impl CatalogIndex {
    pub fn build(items: &[CatalogItem]) -> Self {
        let docs = tokenize_all(items);
        let n = docs.len().max(1) as f32;
        let mut avg = [0f32; FIELDS];
        for d in &docs {
            for (f, toks) in d.iter().enumerate() {
                avg[f] += toks.len() as f32;
            }
        }
        for a in &mut avg {
            *a = (*a / n).max(1.0);
        }
        let weights =
            [Field::Name, Field::Title, Field::Tags, Field::Tools, Field::Description].map(Field::weight);

        let mut terms: FxHashMap<String, u32> = FxHashMap::default();
        let mut postings: Vec<Vec<(u32, f32)>> = Vec::new();
        let mut per_doc: Vec<(u32, f32)> = Vec::new();
        for (doc, fields) in docs.into_iter().enumerate() {
            per_doc.clear();
            for (f, toks) in fields.into_iter().enumerate() {
                let w = weights[f] / (1.0 - B + B * toks.len() as f32 / avg[f]);
                for t in toks {
                    let id = match terms.get(&t) {
                        Some(&id) => id,
                        None => {
                            let id = postings.len() as u32;
                            terms.insert(t, id);
                            postings.push(Vec::new());
                            id
                        }
                    };
                    per_doc.push((id, w));
                }
            }
            // Sum the weights of each term's occurrences in this document.
            per_doc.sort_unstable_by_key(|&(id, _)| id);
            let mut i = 0;
            while i < per_doc.len() {
                let (id, mut wtf) = per_doc[i];
                i += 1;
                while i < per_doc.len() && per_doc[i].0 == id {
                    wtf += per_doc[i].1;
                    i += 1;
                }
                postings[id as usize].push((doc as u32, wtf));
            }
        }
        let mut sorted_terms: Vec<(String, u32)> = terms.iter().map(|(t, &i)| (t.clone(), i)).collect();
        sorted_terms.sort_unstable();
        let prior = items.iter().map(prior_of).collect();
        let meta = items
            .iter()
            .map(|i| DocMeta {
                kind: i.kind(),
                oauth: i.needs_oauth(),
                secrets: i.secrets.iter().any(|s| s.required),
            })
            .collect();
        let exact = items
            .iter()
            .map(|i| {
                // "Time (Reference)" is still exactly "time" to someone typing it.
                let title = i.title.split('(').next().unwrap_or(&i.title);
                let name = i.name.rsplit('/').next().unwrap_or(&i.name);
                [tokenize(name).join(" "), tokenize(title).join(" ")]
            })
            .collect();
        Self { terms, sorted_terms, postings, prior, meta, exact }
    }

    pub fn len(&self) -> usize {
        self.meta.len()
    }

    pub fn is_empty(&self) -> bool {
        self.meta.is_empty()
    }

    fn passes(&self, doc: usize, f: &SearchFilters) -> bool {
        let m = self.meta[doc];
        f.kind.is_none_or(|k| k == m.kind)
            && f.needs_oauth.is_none_or(|o| o == m.oauth)
            && f.needs_secrets.is_none_or(|s| s == m.secrets)
    }

    /// The best `limit` items for `query`, best first. An empty query lists every item that passes
    /// the filters, in catalog order.
    pub fn search(&self, query: &str, filters: &SearchFilters, limit: usize) -> Vec<SearchHit> {
        let words = tokenize(query);
        if words.is_empty() {
            return (0..self.len())
                .filter(|&d| self.passes(d, filters))
                .take(limit)
                .map(|index| SearchHit { index, score: 0.0 })
                .collect();
        }
        // Search as you type: the last word may be unfinished unless the query ends in a space.
        let last_is_prefix = !query.ends_with(char::is_whitespace);
        let n = self.len() as f32;
        let mut scores = vec![0f32; self.len()];
        let mut matched = vec![0u8; self.len()];
        let mut best = vec![0f32; self.len()];
        let mut touched: Vec<u32> = Vec::new();
        for (wi, word) in words.iter().enumerate() {
            let mut expansions: Vec<(u32, f32)> = Vec::new();
            if let Some(&id) = self.terms.get(word) {
                expansions.push((id, 1.0));
            }
            if wi == words.len() - 1 && last_is_prefix {
                let start = self.sorted_terms.partition_point(|(t, _)| t.as_str() < word.as_str());
                expansions.extend(
                    self.sorted_terms[start..]
                        .iter()
                        .take_while(|(t, _)| t.starts_with(word.as_str()))
                        .filter(|(t, _)| t != word)
                        .take(MAX_PREFIX_TERMS)
                        .map(|&(_, id)| (id, PREFIX_FACTOR)),
                );
            }
            // A document scores the best of a word's expansions, not their sum.
            touched.clear();
            for (id, factor) in expansions {
                let list = &self.postings[id as usize];
                let df = list.len() as f32;
                let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
                for &(doc, wtf) in list {
                    let s = factor * idf * wtf * (K1 + 1.0) / (wtf + K1);
                    let d = doc as usize;
                    if best[d] == 0.0 {
                        touched.push(doc);
                    }
                    if s > best[d] {
                        best[d] = s;
                    }
                }
            }
            for &doc in &touched {
                let d = doc as usize;
                scores[d] += best[d];
                matched[d] += 1;
                best[d] = 0.0;
            }
        }
        let total = words.len() as f32;
        let whole = words.join(" ");
        let mut hits: Vec<SearchHit> = scores
            .iter()
            .enumerate()
            .filter(|&(d, &s)| s > 0.0 && self.passes(d, filters))
            .map(|(d, &s)| {
                // Items matching more of the query's words come first.
                let coverage = matched[d] as f32 / total;
                let exact = if self.exact[d].contains(&whole) { EXACT_BOOST } else { 1.0 };
                SearchHit { index: d, score: s * coverage * coverage * self.prior[d] * exact }
            })
            .collect();
        let k = limit.min(hits.len());
        if k == 0 {
            return Vec::new();
        }
        let by_score = |a: &SearchHit, b: &SearchHit| b.score.total_cmp(&a.score).then(a.index.cmp(&b.index));
        if k < hits.len() {
            hits.select_nth_unstable_by(k - 1, by_score);
            hits.truncate(k);
        }
        hits.sort_unstable_by(by_score);
        hits
    }
}

/// A small, documented preference among otherwise similar matches: entries published by the
/// vendor they are named after, entries that describe themselves, list their tools and need no
/// hand-copied secret come first; archived entries and entries Berth cannot run yet come last.
fn prior_of(item: &CatalogItem) -> f32 {
    let mut p = 1.0;
    if item.first_party() {
        p += 0.25;
    }
    if !item.description.trim().is_empty() {
        p += 0.15;
    }
    if !item.secrets.iter().any(|s| s.required) {
        p += 0.10;
    }
    if !item.tools.is_empty() {
        p += 0.05;
    }
    if item.retired() {
        p *= 0.5;
    }
    if !item.runnable() {
        p *= 0.6;
    }
    p
}

/// Tokenises every document, on all cores for large catalogs.
fn tokenize_all(items: &[CatalogItem]) -> Vec<[Vec<String>; FIELDS]> {
    crate::parallel::map(items, 512, fields_of)
}

fn fields_of(item: &CatalogItem) -> [Vec<String>; FIELDS] {
    let mut title = tokenize(&item.title);
    let mut description = tokenize(&item.description);
    for t in item.translations.values() {
        if let Some(s) = &t.title {
            title.extend(tokenize(s));
        }
        if let Some(s) = &t.description {
            description.extend(tokenize(s));
        }
    }
    let mut tags: Vec<String> = item.tags.iter().flat_map(|t| tokenize(t)).collect();
    if let Some(c) = &item.category {
        tags.extend(tokenize(c));
    }
    let tools = item.tools.iter().flat_map(|t| tokenize(&t.name)).collect();
    // Registry names are namespaced (`io.github.owner/server`); only the last part names the server.
    let name = item.name.rsplit('/').next().unwrap_or(&item.name);
    [tokenize(name), title, tags, tools, description]
}

const STOP_WORDS: &[&str] =
    &["a", "an", "and", "for", "in", "of", "on", "or", "the", "to", "with", "your", "you"];

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF   // Hiragana, Katakana
        | 0x3400..=0x4DBF // CJK Extension A
        | 0x4E00..=0x9FFF // CJK Unified Ideographs
        | 0xF900..=0xFAFF // CJK Compatibility Ideographs
        | 0xFF66..=0xFF9F) // Half-width Katakana
}

/// Lower-cased words split on anything that is not a letter or digit; plural `s` folded; CJK
/// runs become overlapping character bigrams (a single character stays a unigram).
pub fn tokenize(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut cjk: Vec<char> = Vec::new();
    let flush_word = |w: &mut String, out: &mut Vec<String>| {
        if !w.is_empty() {
            if !STOP_WORDS.contains(&w.as_str()) {
                out.push(fold(std::mem::take(w)));
            }
            w.clear();
        }
    };
    let flush_cjk = |c: &mut Vec<char>, out: &mut Vec<String>| {
        match c.len() {
            0 => {}
            1 => out.push(c[0].to_string()),
            _ => out.extend(c.windows(2).map(|w| w.iter().collect::<String>())),
        }
        c.clear();
    };
    for ch in text.chars() {
        if is_cjk(ch) {
            flush_word(&mut word, &mut out);
            cjk.push(ch);
        } else if ch.is_alphanumeric() {
            flush_cjk(&mut cjk, &mut out);
            word.extend(ch.to_lowercase());
        } else {
            flush_word(&mut word, &mut out);
            flush_cjk(&mut cjk, &mut out);
        }
    }
    flush_word(&mut word, &mut out);
    flush_cjk(&mut cjk, &mut out);
    out
}

/// Folds simple English plurals (`issues` → `issue`, `databases` → `database`).
fn fold(w: String) -> String {
    if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") && w.is_ascii() {
        w[..w.len() - 1].to_owned()
    } else {
        w
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizer_handles_names_plurals_and_japanese() {
        assert_eq!(tokenize("github-official"), ["github", "official"]);
        assert_eq!(tokenize("List the Issues"), ["list", "issue"]);
        assert_eq!(tokenize("タイムゾーン変換"), ["タイ", "イム", "ムゾ", "ゾー", "ーン", "ン変", "変換"]);
        assert_eq!(tokenize("時"), ["時"]);
        assert_eq!(tokenize("Git のブランチ"), ["git", "のブ", "ブラ", "ラン", "ンチ"]);
        assert!(tokenize("  ,. ").is_empty());
    }
}
