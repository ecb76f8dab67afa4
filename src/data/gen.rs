//! The seeded generator behind synthesis: value pools and phrasings split between train and eval,
//! request styles, and typo noise.

use super::values;
use crate::rng::Rng;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Which split a draft is for. Pools and phrasings are partitioned by index: every fourth item is
/// eval-only, so eval requests use phrasings and values that training never saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    Train,
    Eval,
}

pub fn is_eval_index(i: usize) -> bool {
    i % 4 == 3
}

pub struct Gen {
    pub rng: Rng,
    pub split: Split,
    /// While set, pools return the same value for the same pool (near-miss groups share values).
    sticky: Option<HashMap<usize, usize>>,
    typos: bool,
}

impl Gen {
    pub fn new(seed: u64, split: Split) -> Gen {
        Gen { rng: Rng::new(seed), split, sticky: None, typos: false }
    }

    pub fn set_sticky(&mut self, on: bool) {
        self.sticky = on.then(HashMap::new);
    }

    pub fn set_typos(&mut self, on: bool) {
        self.typos = on;
    }

    /// Indices of `n` items that belong to this split (all of them when there are fewer than two).
    fn indices(&self, n: usize) -> Vec<usize> {
        if n < 2 {
            return (0..n).collect();
        }
        let want_eval = self.split == Split::Eval;
        let idx: Vec<usize> = (0..n).filter(|&i| is_eval_index(i) == want_eval).collect();
        if idx.is_empty() {
            (0..n).collect()
        } else {
            idx
        }
    }

    /// A value from `pool`, from this split's part of it.
    pub fn pick<T: Copy>(&mut self, pool: &[T]) -> T {
        let key = pool.as_ptr() as usize;
        if let Some(i) = self.sticky.as_ref().and_then(|s| s.get(&key)) {
            return pool[*i];
        }
        let idx = self.indices(pool.len());
        let i = idx[self.rng.below(idx.len())];
        if let Some(s) = self.sticky.as_mut() {
            s.insert(key, i);
        }
        pool[i]
    }

    /// Two different values from `pool`'s part for this split.
    pub fn pick_two<T: Copy + PartialEq>(&mut self, pool: &[T]) -> (T, T) {
        let a = self.pick(pool);
        let idx = self.indices(pool.len());
        loop {
            let b = pool[idx[self.rng.below(idx.len())]];
            if b != a || idx.len() < 2 {
                return (a, b);
            }
        }
    }

    pub fn int(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.rng.below((hi - lo + 1) as usize) as i64
    }

    pub fn chance(&mut self, p: f32) -> bool {
        self.rng.chance(p)
    }

    /// Fills `{slot}` placeholders of a template, first adding typo noise to the template's own
    /// words (never to the values) when typos are on.
    pub fn fill(&mut self, template: &str, slots: &[(&str, String)]) -> String {
        let template = if self.typos { self.typo(template) } else { template.to_string() };
        let mut out = template;
        for (k, v) in slots {
            out = out.replace(&format!("{{{k}}}"), v);
        }
        debug_assert!(!out.contains('{') || slots.iter().any(|(_, v)| v.contains('{')), "unfilled slot in {out:?}");
        out
    }

    /// One or two typos (swap, drop or double a letter) in words outside `{slots}`.
    fn typo(&mut self, text: &str) -> String {
        let mut chars: Vec<char> = text.chars().collect();
        let n = 1 + usize::from(self.chance(0.3));
        for _ in 0..n {
            let mut depth = 0;
            let candidates: Vec<usize> = (0..chars.len().saturating_sub(1))
                .filter(|&i| {
                    match chars[i] {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    depth == 0 && chars[i].is_ascii_lowercase() && chars[i + 1].is_ascii_lowercase()
                })
                .collect();
            if candidates.is_empty() {
                break;
            }
            let i = candidates[self.rng.below(candidates.len())];
            match self.rng.below(3) {
                0 => chars.swap(i, i + 1),
                1 => {
                    chars.remove(i);
                }
                _ => chars.insert(i, chars[i]),
            }
        }
        chars.into_iter().collect()
    }

    /// Picks one of `templates` (this split's part) and fills it.
    pub fn phrase(&mut self, templates: &[&str], slots: &[(&str, String)]) -> String {
        let t = self.pick(templates);
        self.fill(t, slots)
    }

    /// Like `pick`, but the train split draws uniformly from its part of `pool` and all of `extra`.
    /// Train-only phrasings and values widen what training shows while the eval split draws exactly
    /// as `pick` does (same items, same random numbers), so eval.jsonl stays the same.
    pub fn pick_plus<T: Copy>(&mut self, pool: &[T], extra: &[T]) -> T {
        if self.split == Split::Eval || extra.is_empty() {
            return self.pick(pool);
        }
        // A sticky index past the end of `pool` points into `extra`; keyed like `pick`'s.
        let key = pool.as_ptr() as usize;
        let i = match self.sticky.as_ref().and_then(|s| s.get(&key)) {
            Some(&i) => i,
            None => {
                let idx = self.indices(pool.len());
                let j = self.rng.below(idx.len() + extra.len());
                let i = if j < idx.len() { idx[j] } else { pool.len() + j - idx.len() };
                if let Some(s) = self.sticky.as_mut() {
                    s.insert(key, i);
                }
                i
            }
        };
        if i < pool.len() {
            pool[i]
        } else {
            extra[i - pool.len()]
        }
    }
}

/// Request styles; each wraps a lower-case imperative core. Cores starting with '?' are already
/// questions, and cores starting with '!' whole sentences ("I need …", "{path}: …") that a frame
/// such as "Can you …?" would garble; both are used as they are (after capitalisation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Style {
    Imperative,
    Question,
    Terse,
    Polite,
    Context,
    Typo,
}

pub const STYLES: [Style; 6] = [Style::Imperative, Style::Question, Style::Terse, Style::Polite, Style::Context, Style::Typo];

const QUESTION_FRAMES: &[&str] = &["Can you {s}?", "Could you {s}?", "Would you {s}?", "Can you {s} for me?", "Will you {s}?", "Could you please {s}?", "Mind if you {s}?", "Are you able to {s}?"];
const POLITE_FRAMES: &[&str] = &[
    "Please {s}.",
    "{S}, please.",
    "Hi! {S}, thanks.",
    "If you don't mind, {s}.",
    "{S}, thank you!",
    "Hey, could you kindly {s}?",
    "When you get a chance, {s}.",
    "I'd appreciate it if you could {s}.",
];
const CONTEXT_FRAMES: &[&str] = &["{c} {S}.", "{c} Could you {s}?", "{c} I need you to {s}.", "{c} First, {s}.", "{c} {S} so I can continue.", "{c} Please {s}."];
// Train-only frames (`Gen::pick_plus`), some with words after the request that belong to no argument.
// (No "when …" clause: values such as problems carry their own.)
const QUESTION_FRAMES_TRAIN: &[&str] = &["Can you {s} for us?", "Could you {s} right away?", "Would you {s}, if possible?", "Can you please {s}?", "Could you {s}, please?", "Is it possible to {s}?"];
const POLITE_FRAMES_TRAIN: &[&str] = &["{S} for me, please.", "{S}, cheers.", "Please {s} for me.", "Kindly {s}.", "{S} if you can.", "Thanks in advance: {s}."];
const CONTEXT_FRAMES_TRAIN: &[&str] = &["{c} To start, {s}.", "{c} Can you {s} for me?", "{c} Next, {s}.", "{c} Let's {s}."];

/// Wraps a core request in a style.
pub fn styled(g: &mut Gen, core: &str, style: Style) -> String {
    if let Some(q) = core.strip_prefix('?').or_else(|| core.strip_prefix('!')) {
        return match style {
            Style::Context => format!("{} {}", g.pick_plus(values::CONTEXTS, values::CONTEXTS_TRAIN), capitalize(q)),
            _ => capitalize(q),
        };
    }
    let frame = match style {
        Style::Imperative | Style::Typo => "{S}",
        Style::Terse => return core.trim_end_matches(['.', '!']).to_string(),
        Style::Question => g.pick_plus(QUESTION_FRAMES, QUESTION_FRAMES_TRAIN),
        Style::Polite => g.pick_plus(POLITE_FRAMES, POLITE_FRAMES_TRAIN),
        Style::Context => g.pick_plus(CONTEXT_FRAMES, CONTEXT_FRAMES_TRAIN),
    };
    let c = g.pick_plus(values::CONTEXTS, values::CONTEXTS_TRAIN);
    frame.replace("{S}", &capitalize(core)).replace("{s}", core).replace("{c}", c)
}

pub fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Builds an argument map from pairs.
pub fn args(pairs: Vec<(&str, Value)>) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

pub fn s(v: impl Into<String>) -> Value {
    Value::String(v.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    const T: &[&str] = &["a", "b", "c", "eval 1", "d", "e", "f", "eval 2"];
    const X: &[&str] = &["x1", "x2", "x3"];

    #[test]
    fn pick_plus_draws_in_eval_exactly_as_pick() {
        let (mut a, mut b) = (Gen::new(5, Split::Eval), Gen::new(5, Split::Eval));
        for _ in 0..200 {
            assert_eq!(a.pick_plus(T, X), b.pick(T));
            assert_eq!(a.rng.below(1000), b.rng.below(1000), "the random streams diverged");
        }
    }

    #[test]
    fn pick_plus_adds_train_only_items_to_train() {
        let mut g = Gen::new(5, Split::Train);
        let seen: HashSet<&str> = (0..600).map(|_| g.pick_plus(T, X)).collect();
        let want: HashSet<&str> = ["a", "b", "c", "d", "e", "f", "x1", "x2", "x3"].into();
        assert_eq!(seen, want);
        g.set_sticky(true);
        let first = g.pick_plus(T, X);
        assert!((0..20).all(|_| g.pick_plus(T, X) == first), "sticky draws must repeat");
    }
}
