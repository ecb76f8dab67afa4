//! Running a model: loading it with its adapters, a session that keeps a prompt prefix's state (in
//! memory and on disk), and generation with sampling, a grammar and forced continuations.

use super::backend;
use anyhow::{anyhow, bail, Context, Result};
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaLoraAdapter, LlamaModel};
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::data::LlamaTokenData;
use llama_cpp_2::token::data_array::LlamaTokenDataArray;
use llama_cpp_2::token::LlamaToken;
use std::num::NonZeroU32;
use std::path::Path;

/// Whether `sampler` (a grammar) allows `token` next: applied to a one-candidate array, which costs
/// microseconds where the whole 262k vocabulary costs about 25 ms.
pub fn allowed(sampler: &mut LlamaSampler, token: i32) -> bool {
    let mut one = LlamaTokenDataArray::new(vec![LlamaTokenData::new(LlamaToken(token), 0.0, 0.0)], false);
    sampler.apply(&mut one);
    one.data[0].logit() != f32::NEG_INFINITY
}

/// The index of the largest value (the first of equals).
pub fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}

// ------------------------------------------------------------------------------------------------
// Generation.

/// How to pick tokens.
#[derive(Clone, Debug)]
pub struct Sampling {
    /// 0 means greedy.
    pub temperature: f32,
    pub top_k: usize,
    pub top_p: f32,
    pub seed: u64,
}

impl Default for Sampling {
    fn default() -> Self {
        Sampling { temperature: 0.0, top_k: 40, top_p: 0.95, seed: 0 }
    }
}

pub struct EngineConfig {
    pub model: std::path::PathBuf,
    pub lora: Option<std::path::PathBuf>,
    pub threads: usize,
    /// Context length in tokens (the prefix, the conversation and the answer).
    pub n_ctx: u32,
}

/// A loaded model (and adapter). Sessions borrow it.
pub struct Engine {
    model: LlamaModel,
    /// Behind a mutex only because llama-cpp-2 takes it as `&mut` to attach it to a context.
    lora: Option<std::sync::Mutex<LlamaLoraAdapter>>,
    pub config: EngineConfig,
    /// Identity of the model and adapter files, for the prefix cache's key.
    identity: String,
    marker_ids: Vec<(&'static str, i32)>,
}

/// Size and modification time: changes whenever a file is replaced.
fn file_identity(p: &Path) -> Result<String> {
    let m = std::fs::metadata(p).with_context(|| format!("cannot read {}", p.display()))?;
    let mtime = m.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
    Ok(format!("{}:{}:{mtime}", std::fs::canonicalize(p).unwrap_or(p.to_path_buf()).display(), m.len()))
}

impl Engine {
    pub fn load(config: EngineConfig) -> Result<Engine> {
        crate::gguf::GgufFile::open(&config.model).context("the model must be a valid GGUF")?;
        let params = LlamaModelParams::default();
        let mut model = LlamaModel::load_from_file(backend(), &config.model, &params).map_err(|e| anyhow!("llama.cpp could not load {}: {e}", config.model.display()))?;
        let mut identity = file_identity(&config.model)?;
        let lora = match &config.lora {
            Some(p) => {
                crate::gguf::GgufFile::open(p).context("the LoRA adapter must be a valid GGUF")?;
                identity.push('|');
                identity.push_str(&file_identity(p)?);
                Some(std::sync::Mutex::new(model.lora_adapter_init(p).map_err(|e| anyhow!("llama.cpp could not load the adapter {}: {e}", p.display()))?))
            }
            None => None,
        };
        let marker_ids = crate::names::token::FUNCTIONGEMMA.iter().map(|(n, id)| (*n, *id as i32)).collect();
        Ok(Engine { model, lora, config, identity, marker_ids })
    }

    /// Ids of `text` as training saw them: FunctionGemma's seven markers by id (whatever the
    /// vocabulary calls them), everything else with llama.cpp's tokenizer, special tokens parsed.
    pub fn tokenize(&self, text: &str) -> Vec<i32> {
        let mut out = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            let next = self.marker_ids.iter().filter_map(|(m, id)| rest.find(m).map(|i| (i, *m, *id))).min_by_key(|x| x.0);
            let (plain, marker) = match next {
                Some((i, m, id)) => (&rest[..i], Some((m, id))),
                None => (rest, None),
            };
            if !plain.is_empty() {
                out.extend(self.model.vocab().tokenize(plain.as_bytes(), false, true).into_iter().map(|t| t.0));
            }
            match marker {
                Some((m, id)) => {
                    out.push(id);
                    rest = &rest[plain.len() + m.len()..];
                }
                None => break,
            }
        }
        out
    }

    /// Text of a token: FunctionGemma's names for 46..52, llama.cpp's piece otherwise.
    pub fn piece(&self, token: i32) -> Vec<u8> {
        if let Some((m, _)) = self.marker_ids.iter().find(|(_, id)| *id == token) {
            return m.as_bytes().to_vec();
        }
        self.model.vocab().token_to_piece(LlamaToken(token), true, None)
    }

    pub fn is_eog(&self, token: i32) -> bool {
        self.model.vocab().is_eog(LlamaToken(token))
    }

    pub fn n_vocab(&self) -> usize {
        self.model.n_vocab() as usize
    }

    /// A grammar sampler for `gbnf` over this model's vocabulary.
    pub fn grammar(&self, gbnf: &str) -> Result<LlamaSampler> {
        LlamaSampler::grammar(&self.model, gbnf, "root").map_err(|e| anyhow!("llama.cpp rejected the grammar: {e:?}"))
    }

    /// A session whose context starts with `prefix` (its state restored from the cache in
    /// `cache_dir` when the key matches, computed and saved otherwise).
    pub fn session(&self, prefix: &str, cache_key: &str, cache_dir: Option<&Path>) -> Result<Session<'_>> {
        let n_ctx = NonZeroU32::new(self.config.n_ctx).context("n_ctx must be positive")?;
        let threads = self.config.threads.max(1) as i32;
        let params = LlamaContextParams::default().with_n_ctx(Some(n_ctx)).with_n_batch(512).with_n_ubatch(512).with_n_threads(threads).with_n_threads_batch(threads).with_swa_full(true);
        let mut ctx = self.model.new_context(backend(), params).map_err(|e| anyhow!("llama.cpp could not create a context: {e}"))?;
        if let Some(lora) = &self.lora {
            // The adapter lives as long as the engine, which outlives the session's context.
            let mut lora = lora.lock().map_err(|_| anyhow!("adapter lock poisoned"))?;
            ctx.lora_adapter_set(&mut lora, 1.0).map_err(|e| anyhow!("llama.cpp could not apply the adapter: {e}"))?;
        }
        let prefix_tokens = self.tokenize(prefix);
        let mut s = Session { engine: self, ctx, kv: Vec::new(), prefix: prefix_tokens.clone(), stats: SessionStats::default() };
        let key = format!("{:016x}", crate::hash::fnv1a(format!("{}|{}|{cache_key}|{}|{}", self.identity, env!("CARGO_PKG_VERSION"), self.config.n_ctx, prefix).as_bytes()));
        let start = std::time::Instant::now();
        let cache = cache_dir.map(|d| d.join(format!("prefix-{key}.state")));
        if let Some(path) = cache.as_ref().filter(|p| p.exists()) {
            match s.ctx.state_seq_load_file(path, 0, self.config.n_ctx as usize).map(|(t, _)| t) {
                Ok(tokens) if tokens.iter().map(|t| t.0).eq(prefix_tokens.iter().copied()) => {
                    s.kv = prefix_tokens.clone();
                    s.stats.prefix_cache = "hit".into();
                }
                _ => {
                    // Stale or corrupt: forget it and rebuild.
                    s.ctx.clear_kv_cache();
                    let _ = std::fs::remove_file(path);
                }
            }
        }
        if s.kv.is_empty() {
            s.feed(&prefix_tokens, false)?;
            s.stats.prefix_cache = if cache.is_some() { "built".into() } else { "off".into() };
            if let Some(path) = &cache {
                if let Some(dir) = path.parent() {
                    let _ = std::fs::create_dir_all(dir);
                }
                // Created exclusively (no link followed) before llama.cpp, which can only be
                // given a path, writes into it; removed on interrupt or failure.
                let toks: Vec<LlamaToken> = prefix_tokens.iter().map(|&t| LlamaToken(t)).collect();
                if let Ok(tmp) = crate::fsx::TempFile::create(path) {
                    if s.ctx.state_seq_save_file(tmp.path(), 0, &toks).is_ok() {
                        let _ = tmp.persist();
                    }
                }
            }
        }
        s.stats.prefix_ms = start.elapsed().as_secs_f64() * 1e3;
        s.stats.prefix_tokens = prefix_tokens.len();
        Ok(s)
    }
}

#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct SessionStats {
    pub prefix_cache: String,
    pub prefix_tokens: usize,
    pub prefix_ms: f64,
}

/// Why a generation ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Finish {
    /// A stop token.
    #[default]
    Stop,
    /// An end-of-generation token of the vocabulary.
    Eog,
    /// The token budget ran out.
    Length,
    /// The grammar allows nothing more.
    Grammar,
    /// A text answer repeated itself (`repeated_tail`).
    Repeat,
    /// A text answer reached `max_answer_tokens`.
    AnswerLength,
    /// `on_token` said stop.
    Cancelled,
}

impl Finish {
    pub fn name(self) -> &'static str {
        match self {
            Finish::Stop => "stop",
            Finish::Eog => "eog",
            Finish::Length => "length",
            Finish::Grammar => "grammar",
            Finish::Repeat => "repeat",
            Finish::AnswerLength => "answer_length",
            Finish::Cancelled => "cancelled",
        }
    }
}

impl std::fmt::Display for Finish {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What one generation produced.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Generation {
    pub text: String,
    pub tokens: Vec<i32>,
    pub finish: Finish,
    pub prompt_tokens: usize,
    pub prompt_ms: f64,
    pub generate_ms: f64,
    /// Tokens appended without sampling because the continuation was forced.
    pub forced_tokens: usize,
    /// Times the sampled token broke the grammar and the whole vocabulary had to be masked.
    pub full_masks: usize,
}

/// Decides text that must come next, given what the model wrote so far in its turn.
pub trait Forcer {
    fn forced(&self, generated: &str) -> Option<String>;

    /// Texts that close what is open after `generated`, most urgent first (used when the token
    /// budget runs out); empty to use the static closers.
    fn closing(&self, _generated: &str) -> Vec<&'static str> {
        Vec::new()
    }
}

/// Told of every token as it is appended (its id and text); false ends the turn.
pub type OnToken<'a> = &'a dyn Fn(i32, &[u8]) -> bool;

pub struct GenerateOptions<'a> {
    pub sampling: Sampling,
    pub grammar: Option<&'a str>,
    /// Token ids that end the turn (besides end-of-generation tokens).
    pub stop: Vec<i32>,
    pub max_tokens: usize,
    pub forcer: Option<&'a dyn Forcer>,
    /// Check the sampled token first (fast path); false masks the whole vocabulary every token, as
    /// llama.cpp's plain grammar sampler does (kept for the benchmark).
    pub check_first: bool,
    /// Tokens that bring a grammar towards its end, most final first. Within the last
    /// `WIND_DOWN` tokens of the budget the first one the grammar allows is taken, so that a
    /// constrained turn ends complete instead of cut off (an untrained model may never close a
    /// string on its own).
    pub closers: Vec<i32>,
    /// The token that opens a call. A turn that does not start with it is a text answer, and a
    /// text answer ends at `max_answer_tokens` or as soon as it repeats itself (`repeated_tail`):
    /// a loop ends with finish "repeat", its repetitions dropped. None: no such guard.
    pub call_start: Option<i32>,
    pub max_answer_tokens: usize,
    /// Told of every token as it is appended (its id and text); returning false ends the turn
    /// with finish "cancelled" (a server's client went away).
    pub on_token: Option<OnToken<'a>>,
}

/// Tokens a verbatim repetition must cover before it counts as a loop: a 1-token period must
/// repeat 48 times, an 8-token one 6 times, one of 24 tokens or more twice.
const LOOP_SPAN: usize = 48;
/// The longest period looked for.
const LOOP_PERIOD: usize = 160;

/// Where a loop at the end of `tokens` starts repeating: the length to keep (the text through the
/// loop's first pass), or None. A loop is a period `p` whose copies, back to back at the end, cover
/// at least LOOP_SPAN tokens and number at least two.
pub fn repeated_tail(tokens: &[i32]) -> Option<usize> {
    let n = tokens.len();
    (1..=LOOP_PERIOD.min(n / 2)).find_map(|p| {
        let copies = LOOP_SPAN.div_ceil(p).max(2);
        let span = copies * p;
        (span <= n && (p..span).all(|i| tokens[n - 1 - i] == tokens[n - 1 - i + p])).then(|| n - span + p)
    })
}

/// Tokens before `max_tokens` at which a constrained turn starts closing what is open.
pub const WIND_DOWN: usize = 40;

/// A context holding the prefix (and whatever conversation was decoded after it).
pub struct Session<'m> {
    engine: &'m Engine,
    ctx: LlamaContext<'m>,
    /// Tokens whose state is in the KV cache, in order.
    kv: Vec<i32>,
    prefix: Vec<i32>,
    pub stats: SessionStats,
}

impl<'m> Session<'m> {
    /// The model this session runs.
    pub fn engine(&self) -> &'m Engine {
        self.engine
    }

    /// Tokens in the KV cache: the last prompt and what was generated after it.
    pub fn cached_tokens(&self) -> usize {
        self.kv.len()
    }

    /// Decodes `tokens` after what is cached; keeps logits of the last one when `logits` is set.
    fn feed(&mut self, tokens: &[i32], logits: bool) -> Result<()> {
        let n_ctx = self.engine.config.n_ctx as usize;
        if self.kv.len() + tokens.len() > n_ctx {
            bail!("the conversation needs {} tokens, more than the context of {n_ctx} (--ctx)", self.kv.len() + tokens.len());
        }
        for (ci, chunk) in tokens.chunks(512).enumerate() {
            let last_chunk = (ci + 1) * 512 >= tokens.len();
            let mut batch = LlamaBatch::new(chunk.len(), 1);
            for (i, &t) in chunk.iter().enumerate() {
                let want = logits && last_chunk && i + 1 == chunk.len();
                batch.add(LlamaToken(t), self.kv.len() as i32, &[0], want).map_err(|e| anyhow!("batch: {e}"))?;
                self.kv.push(t);
            }
            self.ctx.decode(&mut batch).map_err(|e| anyhow!("llama.cpp decode failed: {e}"))?;
        }
        Ok(())
    }

    /// Makes the cache hold exactly `tokens` (which start with the prefix), reusing what matches.
    fn prepare(&mut self, tokens: &[i32]) -> Result<()> {
        let mut common = self.kv.iter().zip(tokens).take_while(|(a, b)| a == b).count();
        // Always decode at least the last token, to get its logits.
        if common == tokens.len() {
            common -= 1;
        }
        if common < self.kv.len() {
            self.ctx.clear_kv_cache_seq(Some(0), Some(common as u32), None).map_err(|e| anyhow!("kv cache: {e}"))?;
            self.kv.truncate(common);
        }
        self.feed(&tokens[common..], true)
    }

    /// Generates the model's continuation of `text` (which must start with the session's prefix).
    pub fn generate(&mut self, text: &str, opts: &GenerateOptions) -> Result<Generation> {
        let prompt = self.engine.tokenize(text);
        if !prompt.starts_with(&self.prefix) {
            bail!("the prompt does not start with the session's cached prefix");
        }
        let mut out = Generation { prompt_tokens: prompt.len(), ..Default::default() };
        let t0 = std::time::Instant::now();
        self.prepare(&prompt)?;
        out.prompt_ms = t0.elapsed().as_secs_f64() * 1e3;
        let t1 = std::time::Instant::now();
        let mut grammar = match opts.grammar {
            Some(g) => Some(self.engine.grammar(g)?),
            None => None,
        };
        let mut rng = crate::rng::Rng::new(opts.sampling.seed);
        let mut text_out: Vec<u8> = Vec::new();
        out.finish = Finish::Length;
        // The turn ends where the context does, as if max_tokens were reached there: a
        // conversation that has filled the context gets a short turn, never an error.
        let max_tokens = opts.max_tokens.min((self.engine.config.n_ctx as usize).saturating_sub(self.kv.len()));
        'outer: while out.tokens.len() < max_tokens {
            // Forced continuation: append without sampling when only one text can follow.
            if let (Some(forcer), Some(g), false) = (opts.forcer, grammar.as_mut(), out.tokens.len() + WIND_DOWN >= max_tokens) {
                if let Some(forced) = forcer.forced(&String::from_utf8_lossy(&text_out)) {
                    let ids = self.engine.tokenize(&forced);
                    let mut fed = Vec::new();
                    for &id in ids.iter().take(max_tokens - out.tokens.len()) {
                        if !allowed(g, id) || g.try_accept(LlamaToken(id)).is_err() {
                            break;
                        }
                        fed.push(id);
                    }
                    if !fed.is_empty() {
                        for &id in &fed {
                            let piece = self.engine.piece(id);
                            if opts.on_token.is_some_and(|f| !f(id, &piece)) {
                                out.finish = Finish::Cancelled;
                                break 'outer;
                            }
                            text_out.extend(piece);
                            out.tokens.push(id);
                        }
                        out.forced_tokens += fed.len();
                        let last = *fed.last().unwrap();
                        if opts.stop.contains(&last) || self.engine.is_eog(last) {
                            out.finish = Finish::Stop;
                            break 'outer;
                        }
                        self.feed(&fed, true)?;
                        continue;
                    }
                }
            }
            let logits = self.ctx.get_logits_ith(-1);
            let mut token = pick(logits, &opts.sampling, &mut rng, None);
            let winding_down = out.tokens.len() + WIND_DOWN >= max_tokens;
            if let (Some(g), true) = (grammar.as_mut(), winding_down) {
                let hinted: Vec<i32> = opts
                    .forcer
                    .map(|f| f.closing(&String::from_utf8_lossy(&text_out)))
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|t| match self.engine.tokenize(t).as_slice() {
                        [one] => Some(*one),
                        _ => None,
                    })
                    .collect();
                if let Some(&c) = hinted.iter().chain(&opts.closers).find(|&&c| allowed(g, c)) {
                    token = c;
                }
            }
            if let Some(g) = grammar.as_mut() {
                if !opts.check_first || !allowed(g, token) {
                    out.full_masks += usize::from(opts.check_first);
                    let mut all = LlamaTokenDataArray::new(logits.iter().enumerate().map(|(i, &l)| LlamaTokenData::new(LlamaToken(i as i32), l, 0.0)).collect(), false);
                    g.apply(&mut all);
                    let masked: Vec<f32> = all.data.iter().map(|d| d.logit()).collect();
                    if masked.iter().all(|&l| l == f32::NEG_INFINITY) {
                        out.finish = Finish::Grammar;
                        break;
                    }
                    token = pick(&masked, &opts.sampling, &mut rng, None);
                }
                if g.try_accept(LlamaToken(token)).is_err() {
                    bail!("the grammar refused token {token} after allowing it");
                }
            }
            let piece = self.engine.piece(token);
            if opts.on_token.is_some_and(|f| !f(token, &piece)) {
                out.finish = Finish::Cancelled;
                break;
            }
            out.tokens.push(token);
            if opts.stop.contains(&token) {
                out.finish = Finish::Stop;
                break;
            }
            if self.engine.is_eog(token) {
                out.finish = Finish::Eog;
                break;
            }
            text_out.extend(piece);
            if opts.call_start.is_some() && out.tokens.first() != opts.call_start.as_ref() {
                if let Some(keep) = repeated_tail(&out.tokens) {
                    out.tokens.truncate(keep);
                    text_out = out.tokens.iter().flat_map(|&t| self.engine.piece(t)).collect();
                    out.finish = Finish::Repeat;
                    break;
                }
                if out.tokens.len() >= opts.max_answer_tokens {
                    out.finish = Finish::AnswerLength;
                    break;
                }
            }
            self.feed(&[token], true)?;
        }
        out.generate_ms = t1.elapsed().as_secs_f64() * 1e3;
        out.text = String::from_utf8_lossy(&text_out).into_owned();
        Ok(out)
    }

    /// Teacher-forced decoding of `tokens` after `text`, timing the grammar work per token (for the
    /// benchmark): returns milliseconds per token for (plain decode, with check-first grammar, with
    /// the whole vocabulary masked every token).
    pub fn time_constrained(&mut self, text: &str, tokens: &[i32], gbnf: &str) -> Result<(f64, f64, f64)> {
        let prompt = self.engine.tokenize(text);
        let mut results = [0f64; 3];
        for (mode, r) in results.iter_mut().enumerate() {
            self.prepare(&prompt)?;
            let mut g = if mode > 0 { Some(self.engine.grammar(gbnf)?) } else { None };
            let start = std::time::Instant::now();
            for &t in tokens {
                let logits = self.ctx.get_logits_ith(-1);
                let _ = pick(logits, &Sampling::default(), &mut crate::rng::Rng::new(0), None);
                if let Some(g) = g.as_mut() {
                    if mode == 1 {
                        anyhow::ensure!(allowed(g, t), "token {t} breaks the grammar");
                    } else {
                        let mut all = LlamaTokenDataArray::new(logits.iter().enumerate().map(|(i, &l)| LlamaTokenData::new(LlamaToken(i as i32), l, 0.0)).collect(), false);
                        g.apply(&mut all);
                    }
                    g.try_accept(LlamaToken(t)).map_err(|_| anyhow!("grammar refused {t}"))?;
                }
                self.feed(&[t], true)?;
            }
            *r = start.elapsed().as_secs_f64() * 1e3 / tokens.len().max(1) as f64;
        }
        Ok((results[0], results[1], results[2]))
    }
}

/// Picks a token from logits: greedy at temperature 0, else top-k, then top-p, then a draw.
fn pick(logits: &[f32], s: &Sampling, rng: &mut crate::rng::Rng, _mask: Option<&[bool]>) -> i32 {
    if s.temperature <= 0.0 {
        return argmax(logits) as i32;
    }
    let mut idx: Vec<usize> = (0..logits.len()).filter(|&i| logits[i] > f32::NEG_INFINITY).collect();
    let k = s.top_k.max(1).min(idx.len());
    if k < idx.len() {
        idx.select_nth_unstable_by(k - 1, |&a, &b| logits[b].total_cmp(&logits[a]));
        idx.truncate(k);
    }
    idx.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]));
    let max = logits[idx[0]];
    let mut probs: Vec<f64> = idx.iter().map(|&i| (((logits[i] - max) / s.temperature) as f64).exp()).collect();
    let sum: f64 = probs.iter().sum();
    probs.iter_mut().for_each(|p| *p /= sum);
    let mut cum = 0.0;
    let mut cut = probs.len();
    for (j, p) in probs.iter().enumerate() {
        cum += p;
        if cum >= s.top_p as f64 {
            cut = j + 1;
            break;
        }
    }
    let total: f64 = probs[..cut].iter().sum();
    let mut x = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * total;
    for j in 0..cut {
        x -= probs[j];
        if x <= 0.0 {
            return idx[j] as i32;
        }
    }
    idx[cut - 1] as i32
}

impl Session<'_> {
    /// Logits after `text` (for tests comparing cached and fresh states).
    pub fn logits_after(&mut self, text: &str) -> Result<Vec<f32>> {
        let prompt = self.engine.tokenize(text);
        self.prepare(&prompt)?;
        Ok(self.ctx.get_logits_ith(-1).to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::repeated_tail;

    #[test]
    fn a_loop_is_found_and_cut_after_its_first_pass() {
        let head = [1, 2, 3, 4, 5];
        let pass: Vec<i32> = (100..130).collect();
        // 30-token period: two passes make a loop; the first is kept.
        let two: Vec<i32> = head.iter().chain(&pass).chain(&pass).copied().collect();
        assert_eq!(repeated_tail(&two), Some(head.len() + pass.len()));
        // One pass, or a pass and most of another, is not a loop yet.
        assert_eq!(repeated_tail(&[&head[..], &pass[..]].concat()), None);
        assert_eq!(repeated_tail(&[&head[..], &pass[..], &pass[..20]].concat()), None);
        // A short period must cover LOOP_SPAN tokens: "= = = …" 47 times is text, 48 a loop.
        assert_eq!(repeated_tail(&[vec![7; 1], vec![9; 47]].concat()), None);
        assert_eq!(repeated_tail(&[vec![7; 1], vec![9; 48]].concat()), Some(2));
        // Two alternating passes (the loop the shipped model fell into after Delia's health).
        let (a, b): (Vec<i32>, Vec<i32>) = ((200..230).collect(), (300..335).collect());
        let alt: Vec<i32> = [&head[..], &a, &b, &a, &b].concat();
        assert_eq!(repeated_tail(&alt), Some(head.len() + a.len() + b.len()));
        // Ordinary text with repeated words is not cut.
        let text: Vec<i32> = (0..300).map(|i| [5, 6, 7, 8, 9, 10, 11][i % 7] + (i / 7) as i32 * 20).collect();
        assert_eq!(repeated_tail(&text), None);
    }
}
