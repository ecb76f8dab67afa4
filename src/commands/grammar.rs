//! `fg grammar`: the GBNF of a tools file or a JSON Schema, or outputs checked against it.

use crate::cli::GrammarArgs;
use crate::error::BadInput;
use crate::grammar::{json_schema::schema_grammar, tools::tools_grammar};
use crate::llama::Vocab;
use crate::tools::Tools;
use anyhow::{Context, Result};

pub fn run(a: &GrammarArgs) -> Result<()> {
    let gbnf = match &a.schema {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            let schema: serde_json::Value = serde_json::from_str(&text).context(BadInput::new(format!("{} is not JSON", path.display()), "give a JSON Schema file"))?;
            schema_grammar(&schema).context(BadInput::new(format!("cannot make a grammar from {}", path.display()), "fix the schema where the message says"))?.to_gbnf()
        }
        None => tools_grammar(&Tools::load_or_shipped(a.tools.as_deref())?, a.format)?,
    };
    let Some(check) = &a.check else {
        print!("{gbnf}");
        return Ok(());
    };
    let vocab = Vocab::functiongemma(&a.model.clone().unwrap_or_else(crate::paths::default_base_model))?;
    let text = std::fs::read_to_string(check).with_context(|| format!("cannot read {}", check.display()))?;
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let candidate: String = serde_json::from_str(line).context(BadInput::new(format!("{}:{}: each line must be one JSON string", check.display(), i + 1), "write one JSON string per line"))?;
        println!("{}", if vocab.grammar_accepts(&gbnf, &candidate)? { "accept" } else { "reject" });
    }
    Ok(())
}
