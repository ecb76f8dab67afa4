//! The builtin web tools' HTTP (web_fetch, web_search, web_news): only public addresses unless
//! `--allow-private-net`, checked after DNS resolution and on every redirect, bodies read with a cap.
//!
//! Why: a model that reads a workspace file with planted instructions could otherwise fetch
//! `http://169.254.169.254/…` or a service on localhost and carry the answer out in a later call.
//! Three checks close every way to an address: a URL naming an IP literally is checked before
//! sending (hyper connects to literals without asking the resolver); a host name goes through
//! [`CheckedResolver`], which drops refused addresses, and reqwest connects only to what it returned,
//! so DNS rebinding between check and connect cannot happen; every redirect hop is checked by the
//! same rules ([`redirect_policy`]). No proxy is used: a proxy would resolve and connect for us, out
//! of the resolver's sight.

use regex::Regex;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::Url;
use serde_json::{json, Value};
use std::error::Error as StdError;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Text results are cut here, so one call cannot flood the context (builtin.rs's limit).
const MAX_OUTPUT: usize = 16_000;
/// Raw body bytes read at most; the rest is never downloaded (the connection is dropped).
pub const MAX_BODY: usize = 2 << 20;
/// Redirects followed at most; each hop is checked like the first URL.
pub const MAX_REDIRECTS: usize = 5;
/// Said after every refusal of an address, so the user knows the way out.
const CONSENT: &str = "; fg agent --allow-private-net allows it";

/// Which addresses the web tools may reach.
#[derive(Clone, Copy, Debug, Default)]
pub struct NetPolicy {
    /// `--allow-private-net`: loopback, private, link-local and metadata addresses too.
    pub allow_private: bool,
}

/// Why `ip` may not be reached without --allow-private-net, or None when it is public.
pub fn refused_address(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => refused_v4(v4),
        IpAddr::V6(v6) => refused_v6(v6),
    }
}

fn refused_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, d] = ip.octets();
    Some(match (a, b, c, d) {
        (0, 0, 0, 0) => "the unspecified address",
        (0, ..) => "in 0.0.0.0/8 (this network)",
        (127, ..) => "a loopback address",
        // Metadata endpoints first: they sit inside the link-local and carrier-grade NAT ranges.
        (169, 254, 169, 254) | (100, 100, 100, 200) => "a cloud metadata address",
        (10, ..) | (192, 168, ..) => "a private address",
        (172, b, ..) if b & 0xf0 == 16 => "a private address",
        (169, 254, ..) => "a link-local address",
        (100, b, ..) if b & 0xc0 == 64 => "a carrier-grade NAT address",
        (255, 255, 255, 255) => "the broadcast address",
        (224..=239, ..) => "a multicast address",
        (240..=255, ..) => "a reserved address (240.0.0.0/4)",
        _ => return None,
    })
}

fn refused_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    if ip.is_unspecified() {
        return Some("the unspecified address");
    }
    if ip.is_loopback() {
        return Some("a loopback address");
    }
    // IPv4 inside IPv6 reaches the IPv4 host: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d), and
    // the NAT64 prefix (64:ff9b::a.b.c.d), whose translator usually sits in the local network.
    let embedded = |hi: [u16; 6]| (s[..6] == hi[..]).then(|| Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8));
    if let Some(v4) = embedded([0, 0, 0, 0, 0, 0xffff]).or_else(|| embedded([0; 6])).or_else(|| embedded([0x64, 0xff9b, 0, 0, 0, 0])) {
        return refused_v4(v4);
    }
    Some(match s[0] {
        _ if ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) => "a cloud metadata address",
        x if x & 0xfe00 == 0xfc00 => "a private (unique local) address",
        x if x & 0xffc0 == 0xfe80 => "a link-local address",
        x if x & 0xff00 == 0xff00 => "a multicast address",
        _ => return None,
    })
}

/// An address the web tools will not reach, or a hop they will not follow; the message the model
/// sees after "web_fetch refused URL: ". A distinct type so it can be found in reqwest's error chain.
#[derive(Debug)]
struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl StdError for Refused {}

/// What may be reached; shared by the check before sending, the redirect policy and the resolver.
struct Gate {
    policy: NetPolicy,
    /// Socket addresses allowed when a URL names them literally ([`Web::allow_exact`]).
    exact: RwLock<Vec<SocketAddr>>,
}

impl Gate {
    /// Why a resolved address may not be reached. Exact allowances do not apply: the resolver
    /// sees a host name without its port, so it cannot tell the one allowed socket from the rest.
    fn resolved(&self, ip: IpAddr) -> Option<&'static str> {
        if self.policy.allow_private {
            return None;
        }
        refused_address(ip)
    }

    /// Why `url` may not be fetched: its scheme, or the address it names literally. Host names are
    /// left to the resolver, which sees what they resolve to at the moment of connecting.
    fn check_url(&self, url: &Url) -> Result<(), String> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("only http and https URLs can be fetched, not {}:", url.scheme()));
        }
        let host = url.host_str().ok_or("the URL has no host")?;
        // The URL parser writes IP literals in one canonical form (IPv6 in brackets); anything
        // else that is not an address is a host name.
        let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() else {
            return Ok(());
        };
        let at = SocketAddr::new(ip, url.port_or_known_default().unwrap_or(0));
        if self.exact.read().unwrap_or_else(|e| e.into_inner()).contains(&at) {
            return Ok(());
        }
        match self.resolved(ip) {
            Some(why) => Err(format!("{ip} is {why}{CONSENT}")),
            None => Ok(()),
        }
    }
}

/// The system resolver (getaddrinfo, off the async threads) with refused addresses dropped; an
/// error naming the host and address when none is left.
struct CheckedResolver(Arc<Gate>);

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(resolve_checked(self.0.clone(), name.as_str().to_string()))
    }
}

type BoxError = Box<dyn StdError + Send + Sync>;

async fn resolve_checked(gate: Arc<Gate>, host: String) -> Result<Addrs, BoxError> {
    let lookup = host.clone();
    let addrs: Vec<SocketAddr> = tokio::task::spawn_blocking(move || (lookup.as_str(), 0).to_socket_addrs().map(Iterator::collect)).await??;
    let (allowed, refused): (Vec<SocketAddr>, Vec<SocketAddr>) = addrs.into_iter().partition(|a| gate.resolved(a.ip()).is_none());
    if !allowed.is_empty() {
        return Ok(Box::new(allowed.into_iter()));
    }
    let Some(first) = refused.first() else {
        return Err(format!("{host} has no address").into());
    };
    let why = gate.resolved(first.ip()).unwrap_or_default();
    Err(Box::new(Refused(format!("{host} resolves to {}, {why}{CONSENT}", first.ip()))))
}

/// Follows at most [`MAX_REDIRECTS`] hops, each checked like the first URL; a hop to a host name
/// is checked again by the resolver when it connects.
fn redirect_policy(gate: Arc<Gate>) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        // `previous` holds the first URL and every hop already followed.
        let why = if attempt.previous().len() > MAX_REDIRECTS {
            Some(format!("it redirects more than {MAX_REDIRECTS} times"))
        } else {
            gate.check_url(attempt.url()).err().map(|why| format!("it redirects to {}, and {why}", attempt.url()))
        };
        match why {
            Some(why) => attempt.error(Refused(why)),
            None => attempt.follow(),
        }
    })
}

/// The builtin web tools' HTTP client.
pub struct Web {
    http: reqwest::Client,
    gate: Arc<Gate>,
    /// Base URL of the web search endpoint (DuckDuckGo's HTML interface by default).
    search_url: String,
}

impl Web {
    pub fn new(policy: NetPolicy, timeout: Duration, search_url: String) -> anyhow::Result<Web> {
        let gate = Arc::new(Gate { policy, exact: RwLock::new(Vec::new()) });
        let http = reqwest::Client::builder().timeout(timeout).user_agent("fg-agent/0.1").no_proxy().dns_resolver(CheckedResolver(gate.clone())).redirect(redirect_policy(gate.clone())).build()?;
        Ok(Web { http, gate, search_url })
    }

    /// Allows exactly `addr` (say a local service the user trusts) whatever the policy, when a URL
    /// or redirect names it literally (`http://127.0.0.1:8080/`); a host name resolving to it is
    /// still refused, since the resolver cannot see the port.
    pub fn allow_exact(&self, addr: SocketAddr) {
        self.gate.exact.write().unwrap_or_else(|e| e.into_inner()).push(addr);
    }

    /// web_fetch: GET `url`; HTML becomes text when `extract_text`; body capped (say how much was cut).
    pub async fn fetch(&self, url: &str, extract_text: bool) -> Result<Value, String> {
        let parsed = Url::parse(url).map_err(|e| format!("{url} is not a URL: {e}"))?;
        self.gate.check_url(&parsed).map_err(|why| format!("web_fetch refused {url}: {why}"))?;
        let mut resp = self.http.get(parsed).send().await.map_err(|e| request_error("web_fetch", url, &e))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(format!("{url} answered HTTP {status}"));
        }
        let html = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|c| c.contains("html"));
        // Taken before reading: afterwards the body's size hint counts only what is left.
        let content_length = resp.content_length();
        let (body, whole) = read_capped(&mut resp, MAX_BODY).await.map_err(|e| http_error(url, &e))?;
        let body = String::from_utf8_lossy(&body).into_owned();
        let text = if html && extract_text { html_to_text(&body) } else { body };
        Ok(Value::String(if whole { truncate(text) } else { cut_unread(text, content_length) }))
    }

    /// web_search / web_news through the search endpoint (DuckDuckGo's HTML interface by default).
    /// `max_results` is taken as given (builtin.rs clamps it to 1..=10).
    pub async fn search(&self, query: &str, max_results: usize, news: bool, timelimit: Option<&str>) -> Result<Value, String> {
        let tool = if news { "web_news" } else { "web_search" };
        let mut params = vec![("q", query.to_string())];
        if news {
            params.push(("iar", "news".into()));
            params.push(("ia", "news".into()));
            if let Some(t) = timelimit {
                params.push(("df", t.into()));
            }
        }
        let url = &self.search_url;
        let parsed = Url::parse(url).map_err(|e| format!("the search endpoint {url} is not a URL: {e}"))?;
        self.gate.check_url(&parsed).map_err(|why| format!("{tool} refused {url}: {why}"))?;
        let mut resp = self.http.post(parsed).form(&params).send().await.map_err(|e| request_error(tool, url, &e))?;
        if !resp.status().is_success() {
            return Err(format!("the search service answered HTTP {}", resp.status()));
        }
        let (body, _) = read_capped(&mut resp, MAX_BODY).await.map_err(|e| http_error(url, &e))?;
        let results = parse_search_results(&String::from_utf8_lossy(&body), max_results);
        Ok(json!({"query": query, "results": results}))
    }
}

/// The first `cap` bytes of the body and whether that was all of it. Chunks are read as they
/// arrive, so a huge body is never buffered; dropping the response then closes the connection.
async fn read_capped(resp: &mut reqwest::Response, cap: usize) -> reqwest::Result<(Vec<u8>, bool)> {
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        let room = cap - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, false));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, true))
}

/// A refusal (ours, found anywhere in reqwest's error chain) as "TOOL refused URL: why", else
/// [`http_error`].
fn request_error(tool: &str, url: &str, e: &reqwest::Error) -> String {
    let mut cause: Option<&(dyn StdError + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(r) = c.downcast_ref::<Refused>() {
            return format!("{tool} refused {url}: {r}");
        }
        cause = c.source();
    }
    http_error(url, e)
}

/// A failed request as the model should read it: no network, a timeout, or what failed.
pub fn http_error(url: &str, e: &reqwest::Error) -> String {
    let host = Url::parse(url).ok().and_then(|u| u.host_str().map(String::from)).unwrap_or_else(|| url.to_string());
    if e.is_connect() {
        format!("no network: could not connect to {host} ({e})")
    } else if e.is_timeout() {
        format!("no answer from {host} before the timeout")
    } else {
        format!("request to {host} failed: {e}")
    }
}

/// `text` cut to [`MAX_OUTPUT`] bytes (on a character boundary), saying how long it was.
fn truncate(mut text: String) -> String {
    if text.len() > MAX_OUTPUT {
        let total = text.len();
        text.truncate(floor_char_boundary(&text, MAX_OUTPUT));
        text.push_str(&format!("\n… [cut: {total} bytes in all]"));
    }
    text
}

/// The text of a body read only up to [`MAX_BODY`], cut to [`MAX_OUTPUT`], saying how long the
/// body was (its Content-Length, when sent) and how much of it was read.
fn cut_unread(mut text: String, content_length: Option<u64>) -> String {
    text.truncate(floor_char_boundary(&text, MAX_OUTPUT));
    let size = content_length.map_or_else(|| format!("over {MAX_BODY} bytes"), |n| format!("{n} bytes"));
    text.push_str(&format!("\n… [cut: the body is {size}; only its first {MAX_BODY} bytes were read]"));
    text
}

fn floor_char_boundary(text: &str, at: usize) -> usize {
    let mut cut = at.min(text.len());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    cut
}

/// Readable text of an HTML page: scripts and styles dropped, tags removed, entities decoded,
/// whitespace collapsed.
pub fn html_to_text(html: &str) -> String {
    let no_scripts = Regex::new(r"(?is)<(script|style|noscript)[^>]*>.*?</(script|style|noscript)>").unwrap().replace_all(html, " ");
    let with_breaks = Regex::new(r"(?i)<(br|/p|/div|/h[1-6]|/li|/tr)[^>]*>").unwrap().replace_all(&no_scripts, "\n");
    let no_tags = Regex::new(r"(?s)<[^>]*>").unwrap().replace_all(&with_breaks, "");
    let text = no_tags.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&");
    let lines: Vec<String> = text.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|l| !l.is_empty()).collect();
    lines.join("\n")
}

/// Results of DuckDuckGo's HTML interface: title, link and snippet of each. DuckDuckGo wraps
/// links as `//duckduckgo.com/l/?uddg=<percent-encoded target>&…`; the target is unwrapped.
pub fn parse_search_results(body: &str, max: usize) -> Vec<Value> {
    let link = Regex::new(r#"(?s)<a[^>]*class="result__a"[^>]*href="([^"]*)"[^>]*>(.*?)</a>"#).unwrap();
    let snippet = Regex::new(r#"(?s)class="result__snippet"[^>]*>(.*?)</a>"#).unwrap();
    let snippets: Vec<String> = snippet.captures_iter(body).map(|c| html_to_text(&c[1])).collect();
    link.captures_iter(body)
        .take(max)
        .enumerate()
        .map(|(i, c)| {
            let mut url = c[1].replace("&amp;", "&");
            if let Some(i) = url.find("uddg=") {
                url = percent_encoding::percent_decode_str(url[i + 5..].split('&').next().unwrap_or("")).decode_utf8_lossy().into_owned();
            }
            json!({"title": html_to_text(&c[2]), "url": url, "snippet": snippets.get(i).cloned().unwrap_or_default()})
        })
        .collect()
}
