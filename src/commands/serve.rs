//! `fg serve`: the model files resolved as `fg agent` resolves them, then the server.

use crate::cli::ServeArgs;
use crate::serve::{run as serve, ServeConfig};
use anyhow::{Context, Result};

pub fn run(a: &ServeArgs) -> Result<()> {
    let (model, lora) = a.files.resolve()?;
    // Bad files are refused here, with exit code 3, before the server listens (the model itself
    // loads after, while /health says 503).
    crate::gguf::GgufFile::open(&model).context("the model must be a valid GGUF")?;
    if let Some(l) = &lora {
        crate::gguf::GgufFile::open(l).context("the LoRA adapter must be a valid GGUF")?;
    }
    let loopback = matches!(a.host.as_str(), "127.0.0.1" | "localhost" | "::1");
    if !loopback && a.api_key.is_none() {
        eprintln!("fg serve: warning: listening on {} without --api-key: anyone who can reach it can use the model", a.host);
    }
    let cache_dir = (!a.no_cache).then(|| crate::paths::prefix_cache_dir(&model));
    serve(ServeConfig {
        host: a.host.clone(),
        port: a.port,
        model,
        lora,
        model_name: a.name.clone(),
        threads: a.threads,
        n_ctx: a.ctx,
        slots: a.slots,
        queue: a.queue,
        api_key: a.api_key.clone(),
        max_tokens: a.max_tokens,
        max_answer_tokens: a.max_answer_tokens,
        max_body: a.max_body,
        cached_sets: a.cached_sets,
        disk_sets: a.disk_sets,
        cache_dir,
        on_listen: None,
    })
}
