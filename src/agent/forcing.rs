//! Forced continuations: text that must come next in FunctionGemma's call syntax, so the engine can
//! append it without sampling (`call:` after `<start_function_call>`, the rest of a tool name once
//! its prefix is unique, `{` when an argument must follow, a key when only one can come next (or the
//! rest of a begun key up to where the candidates part), `<escape>` before a string, the
//! closing `}<end_function_call>` when no key is left). It reads the unfinished call through the
//! format's own scanner (`format::scan`). The grammar still checks every forced token; this module
//! only has to be right about uniqueness, never about validity.

use crate::format::functiongemma::{END_FUNCTION_CALL, ESCAPE, START_FUNCTION_CALL};
use crate::format::scan::{Lexeme, Scanner, CALL};
use crate::llama::Forcer;
use crate::tools::Tools;
use serde_json::Value;

struct Key {
    name: String,
    required: bool,
    /// Values are strings (a free string or string enum): `<escape>` follows the colon.
    string: bool,
    /// String enum values.
    choices: Vec<String>,
}

struct ToolKeys {
    name: String,
    keys: Vec<Key>,
}

pub struct FunctionGemmaForcer {
    tools: Vec<ToolKeys>,
}

impl FunctionGemmaForcer {
    pub fn new(tools: &Tools) -> FunctionGemmaForcer {
        let tools = tools
            .tools
            .iter()
            .map(|t| {
                let required = t.required();
                let mut keys: Vec<Key> = t
                    .properties()
                    .map(|(k, s)| {
                        let choices: Vec<String> = s.get("enum").and_then(Value::as_array).map(|e| e.iter().filter_map(|v| v.as_str().map(String::from)).collect()).unwrap_or_default();
                        let enum_all_strings = s.get("enum").and_then(Value::as_array).is_some_and(|e| e.iter().all(Value::is_string));
                        let string = (s.get("type").and_then(Value::as_str) == Some("string") && s.get("enum").is_none()) || enum_all_strings;
                        Key { name: k.clone(), required: required.contains(&k.as_str()), string, choices }
                    })
                    .collect();
                keys.sort_by(|a, b| a.name.cmp(&b.name));
                ToolKeys { name: t.name.clone(), keys }
            })
            .collect();
        FunctionGemmaForcer { tools }
    }

    fn key_text(k: &Key) -> String {
        if k.string {
            format!("{}:{ESCAPE}", k.name)
        } else {
            format!("{}:", k.name)
        }
    }
}

/// Longest common prefix of some strings.
fn common_prefix<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let mut it = items;
    let Some(first) = it.next() else { return String::new() };
    let mut p = first.to_string();
    for s in it {
        let n = p.chars().zip(s.chars()).take_while(|(a, b)| a == b).count();
        p = p.chars().take(n).collect();
    }
    p
}

impl Forcer for FunctionGemmaForcer {
    fn forced(&self, generated: &str) -> Option<String> {
        let start = generated.rfind(START_FUNCTION_CALL)?;
        let call = &generated[start + START_FUNCTION_CALL.len()..];
        if call.contains(END_FUNCTION_CALL) {
            return None; // between calls: another call or the response marker
        }
        if call.len() < CALL.len() {
            return CALL.strip_prefix(call).filter(|r| !r.is_empty()).map(String::from);
        }
        let rest = call.strip_prefix(CALL)?;
        let Some(brace) = rest.find('{') else {
            let names: Vec<&str> = self.tools.iter().map(|t| t.name.as_str()).filter(|n| n.starts_with(rest)).collect();
            return match names.as_slice() {
                [] => None,
                // The brace too only when an argument must follow (or none can): where the model
                // may leave the arguments out, training spelled that `{}`, a single token, which a
                // forced `{` would split (and the model, seeing `{` alone, goes on to an argument).
                [one] => {
                    let tool = self.tools.iter().find(|t| t.name == *one)?;
                    let tail = &one[rest.len()..];
                    if tool.keys.is_empty() {
                        Some(format!("{tail}{{}}{END_FUNCTION_CALL}"))
                    } else if tool.keys.iter().any(|k| k.required) {
                        Some(format!("{tail}{{"))
                    } else {
                        (!tail.is_empty()).then(|| tail.to_string())
                    }
                }
                many => {
                    let p = common_prefix(many.iter().copied());
                    (p.len() > rest.len()).then(|| p[rest.len()..].to_string())
                }
            };
        };
        let tool = self.tools.iter().find(|t| t.name == rest[..brace])?;
        let args = &rest[brace + 1..];
        // Walk the top level of the arguments: keys written so far, and where we stand.
        let mut keys_done: Vec<&str> = Vec::new();
        let mut depth = 0i32;
        let mut seg_start = 0;
        for (at, lexeme) in Scanner::new(args) {
            match lexeme {
                // Inside a string: only an enum value can be forced.
                Lexeme::Str { text: written, closed: false } => {
                    let key = args[seg_start..].split(':').next().unwrap_or("");
                    let k = tool.keys.iter().find(|k| k.name == key)?;
                    let fits: Vec<&str> = k.choices.iter().map(String::as_str).filter(|c| c.starts_with(written)).collect();
                    return match fits.as_slice() {
                        [one] => Some(format!("{}{ESCAPE}", &one[written.len()..])),
                        [] => None,
                        many => {
                            let p = common_prefix(many.iter().copied());
                            (p.len() > written.len()).then(|| p[written.len()..].to_string())
                        }
                    };
                }
                Lexeme::Punct('{' | '[') => depth += 1,
                Lexeme::Punct('}' | ']') => depth -= 1,
                Lexeme::Punct(',') if depth == 0 => {
                    keys_done.push(args[seg_start..].split(':').next().unwrap_or(""));
                    seg_start = at + 1;
                }
                _ => {}
            }
        }
        if depth != 0 {
            return None;
        }
        let segment = &args[seg_start..];
        let last_done = keys_done.last().copied();
        // Keys that may still come, in order.
        let remaining: Vec<&Key> = match last_done {
            Some(l) => tool.keys.iter().skip_while(|k| k.name.as_str() <= l).collect(),
            None => tool.keys.iter().collect(),
        };
        // The keys that can come next: optional ones up to and including the first required one.
        let mut next: Vec<&Key> = Vec::new();
        for k in &remaining {
            next.push(k);
            if k.required {
                break;
            }
        }
        let must_continue = remaining.iter().any(|k| k.required);
        if let Some(colon) = segment.find(':') {
            // A value is being written (or done): force the end only after a complete string.
            let key = &segment[..colon];
            let value = &segment[colon + 1..];
            let done = value.starts_with(ESCAPE) && value.len() > ESCAPE.len() && value.ends_with(ESCAPE) || value == "true" || value == "false";
            if !done {
                return None;
            }
            let after: Vec<&Key> = tool.keys.iter().skip_while(|k| k.name.as_str() <= key).collect();
            if after.is_empty() {
                return Some(format!("}}{END_FUNCTION_CALL}"));
            }
            if after.iter().any(|k| k.required) {
                return Some(",".into());
            }
            return None;
        }
        // Writing a key (possibly empty so far).
        let written = segment;
        let can_close = seg_start == 0 && !must_continue && written.is_empty();
        let fits: Vec<&&Key> = next.iter().filter(|k| k.name.starts_with(written)).collect();
        match (fits.as_slice(), can_close) {
            ([], _) if written.is_empty() && remaining.is_empty() && seg_start == 0 => Some(format!("}}{END_FUNCTION_CALL}")),
            ([one], false) => Some(Self::key_text(one)[written.len()..].to_string()),
            // Before the model has written any of the key, a shared prefix is not forced: it would
            // split the key's own token (`s` of `session_id` and `steps`: the model, seeing `s`
            // alone, went on to the wrong one).
            (many, false) if many.len() > 1 && !written.is_empty() => {
                let p = common_prefix(many.iter().map(|k| k.name.as_str()));
                (p.len() > written.len()).then(|| p[written.len()..].to_string())
            }
            _ => None,
        }
    }
}

/// The JSON format: nothing is forced, but when the budget runs out an open string is closed
/// before anything else.
pub struct JsonForcer;

impl Forcer for JsonForcer {
    fn forced(&self, _generated: &str) -> Option<String> {
        None
    }

    fn closing(&self, generated: &str) -> Vec<&'static str> {
        let Some(start) = generated.rfind("<tool_call>") else { return vec![] };
        let call = &generated[start..];
        if call.contains("</tool_call>") {
            return vec!["<end_of_turn>"];
        }
        let mut in_string = false;
        let mut escaped = false;
        for c in call.chars() {
            match (in_string, escaped, c) {
                (true, true, _) => escaped = false,
                (true, false, '\\') => escaped = true,
                (_, false, '"') => in_string = !in_string,
                _ => {}
            }
        }
        if in_string {
            vec!["\"", "\"}", "}"]
        } else {
            vec!["}", "]"]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forcer() -> FunctionGemmaForcer {
        FunctionGemmaForcer::new(&Tools::load(&crate::tools::default_tools_path()).unwrap())
    }

    #[test]
    fn forces_only_what_is_unique() {
        let f = forcer();
        let s = START_FUNCTION_CALL;
        assert_eq!(f.forced(""), None);
        assert_eq!(f.forced(s), Some("call:".into()));
        assert_eq!(f.forced(&format!("{s}call:")), None);
        assert_eq!(f.forced(&format!("{s}call:sess")), Some("ion_".into()));
        assert_eq!(f.forced(&format!("{s}call:session_g")), Some("et{".into()));
        // session_create's keys are all optional: its name, then the model chooses `{}` or `{`.
        assert_eq!(f.forced(&format!("{s}call:session_creat")), Some("e".into()));
        assert_eq!(f.forced(&format!("{s}call:session_create")), None);
        // health has no keys at all: everything to the end is forced.
        assert_eq!(f.forced(&format!("{s}call:heal")), Some("th{}<end_function_call>".into()));
        // session_get has one required key.
        assert_eq!(f.forced(&format!("{s}call:session_get{{")), Some("session_id:<escape>".into()));
        assert_eq!(f.forced(&format!("{s}call:session_get{{session_id:<escape>abc")), None);
        assert_eq!(f.forced(&format!("{s}call:session_get{{session_id:<escape>abc<escape>")), Some("}<end_function_call>".into()));
        // health has no keys: close at once.
        assert_eq!(f.forced(&format!("{s}call:health{{")), Some("}<end_function_call>".into()));
        // read_file: end_line (optional) sorts before path (required): no unique key after '{'.
        assert_eq!(f.forced(&format!("{s}call:read_file{{")), None);
        assert_eq!(f.forced(&format!("{s}call:read_file{{p")), Some("ath:<escape>".into()));
        // After path, start_line is optional: the model chooses between ',' and '}'.
        assert_eq!(f.forced(&format!("{s}call:read_file{{path:<escape>a<escape>")), None);
        // switch_model: model_name then tier, both required.
        assert_eq!(f.forced(&format!("{s}call:switch_model{{model_name:<escape>x<escape>")), Some(",".into()));
        assert_eq!(f.forced(&format!("{s}call:switch_model{{model_name:<escape>x<escape>,")), Some("tier:<escape>".into()));
        assert_eq!(f.forced(&format!("{s}call:switch_model{{model_name:<escape>x<escape>,tier:<escape>th")), Some("inking<escape>".into()));
        assert_eq!(f.forced(&format!("{s}call:health{{}}<end_function_call>")), None);
        // chain: after continue_on_error, session_id (optional) or steps (required): nothing of
        // the next key is forced until it is unique.
        assert_eq!(f.forced(&format!("{s}call:chain{{continue_on_error:true,")), None);
        assert_eq!(f.forced(&format!("{s}call:chain{{continue_on_error:true,st")), Some("eps:<escape>".into()));
        assert_eq!(f.forced(&format!("{s}call:chain{{continue_on_error:true,se")), Some("ssion_id:<escape>".into()));
    }
}
