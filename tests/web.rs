//! The web tools' HTTP: real requests to tiny servers on 127.0.0.1, internal addresses refused
//! (literally, by name and on redirects) before any connection to them, bodies cut while streaming.
//! No traffic leaves the machine: every address that must be refused is refused before connecting.

use fg::agent::web::{refused_address, NetPolicy, Web, MAX_BODY};
use serde_json::json;
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

fn web(allow_private: bool) -> Web {
    Web::new(NetPolicy { allow_private }, Duration::from_secs(10), "https://html.duckduckgo.com/html/".into()).unwrap()
}

fn fetch(w: &Web, url: &str, extract_text: bool) -> Result<serde_json::Value, String> {
    rt().block_on(w.fetch(url, extract_text))
}

/// The request a client sent: its head, and its body when it has a Content-Length.
fn read_request(s: &mut TcpStream) -> String {
    let mut req = Vec::new();
    let mut buf = [0u8; 8192];
    let complete = |req: &[u8]| {
        let Some(head) = req.windows(4).position(|w| w == b"\r\n\r\n") else { return false };
        let head_text = String::from_utf8_lossy(&req[..head]).to_ascii_lowercase();
        let body_len = head_text.lines().find_map(|l| l.strip_prefix("content-length:")).map_or(0, |n| n.trim().parse::<usize>().unwrap());
        req.len() >= head + 4 + body_len
    };
    while !complete(&req) {
        let n = s.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        req.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&req).into_owned()
}

/// A local HTTP server that accepts `n` connections, one request each, answering with `respond`;
/// it returns what `respond` returned for each.
fn serve_n<T: Send + 'static>(n: usize, respond: impl Fn(&mut TcpStream, String) -> T + Send + 'static) -> (SocketAddr, JoinHandle<Vec<T>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let h = std::thread::spawn(move || {
        (0..n)
            .map(|_| {
                let (mut s, _) = listener.accept().unwrap();
                let req = read_request(&mut s);
                respond(&mut s, req)
            })
            .collect()
    });
    (addr, h)
}

/// A one-shot local HTTP server answering with `body` (content type `ctype`); returns the request.
fn serve(body: &'static str, ctype: &'static str) -> (String, JoinHandle<Vec<String>>) {
    let (addr, h) = serve_n(1, move |s, req| {
        let resp = format!("HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
        s.write_all(resp.as_bytes()).unwrap();
        req
    });
    (format!("http://{addr}"), h)
}

/// A bound listener that must never see a connection: it reports one if it did.
fn untouched_listener() -> (TcpListener, u16) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.set_nonblocking(true).unwrap();
    let port = l.local_addr().unwrap().port();
    (l, port)
}

fn assert_no_connection(l: &TcpListener) {
    match l.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("the refused fetch reached the server: {other:?}"),
    }
}

#[test]
fn fetch_speaks_http_and_extracts_text() {
    let w = web(true);
    let (url, h) = serve("<html><head><style>x{}</style></head><body><h1>Title</h1><p>Hello &amp; welcome</p><script>evil()</script></body></html>", "text/html");
    assert_eq!(fetch(&w, &format!("{url}/page"), true).unwrap(), json!("Title\nHello & welcome"));
    assert!(h.join().unwrap()[0].starts_with("GET /page HTTP/1.1"));
    let (url, _h) = serve("<p>raw</p>", "text/html");
    assert_eq!(fetch(&w, &url, false).unwrap(), json!("<p>raw</p>"));
    let e = fetch(&w, "http://127.0.0.1:9/x", true).unwrap_err();
    assert!(e.starts_with("no network: could not connect to 127.0.0.1"), "{e}");
}

#[test]
fn search_parses_results_from_the_search_page() {
    let page = r#"<div class="result"><a rel="nofollow" class="result__a" href="//duckduckgo.com/l/?uddg=https%3A%2F%2Fdocs.rs%2Ftokio%3Fq%3D%C3%A9&amp;rut=x">Tokio <b>docs</b></a>
        <a class="result__snippet" href="x">An async <b>runtime</b>.</a></div>
        <div class="result"><a class="result__a" href="https://tokio.rs/">Tokio</a><a class="result__snippet" href="y">Site</a></div>"#;
    let (url, h) = serve(page, "text/html");
    let w = Web::new(NetPolicy { allow_private: true }, Duration::from_secs(10), url).unwrap();
    let out = rt().block_on(w.search("tokio", 5, true, Some("w"))).unwrap();
    assert_eq!(
        out,
        json!({"query": "tokio", "results": [{"title": "Tokio docs", "url": "https://docs.rs/tokio?q=é", "snippet": "An async runtime."}, {"title": "Tokio", "url": "https://tokio.rs/", "snippet": "Site"}]})
    );
    let req = h.join().unwrap().remove(0);
    assert!(req.starts_with("POST / HTTP/1.1"), "{req}");
    assert!(req.ends_with("\r\n\r\nq=tokio&iar=news&ia=news&df=w"), "{req}");
}

#[test]
fn search_endpoint_on_loopback_is_refused_by_default() {
    let (l, port) = untouched_listener();
    let w = Web::new(NetPolicy::default(), Duration::from_secs(10), format!("http://127.0.0.1:{port}/html/")).unwrap();
    let e = rt().block_on(w.search("tokio", 5, false, None)).unwrap_err();
    assert_eq!(e, format!("web_search refused http://127.0.0.1:{port}/html/: 127.0.0.1 is a loopback address; fg agent --allow-private-net allows it"));
    assert_no_connection(&l);
}

#[test]
fn loopback_is_refused_by_default_and_served_with_allow_private() {
    let (l, port) = untouched_listener();
    let url = format!("http://127.0.0.1:{port}/");
    let e = fetch(&web(false), &url, true).unwrap_err();
    assert_eq!(e, format!("web_fetch refused {url}: 127.0.0.1 is a loopback address; fg agent --allow-private-net allows it"));
    assert_no_connection(&l);
    let (url, h) = serve("hello", "text/plain");
    assert_eq!(fetch(&web(true), &url, true).unwrap(), json!("hello"));
    assert!(h.join().unwrap()[0].starts_with("GET / HTTP/1.1"));
}

#[test]
fn localhost_is_refused_by_name_after_resolving_it() {
    let (l, port) = untouched_listener();
    let url = format!("http://localhost:{port}/x");
    let e = fetch(&web(false), &url, true).unwrap_err();
    assert!(e.starts_with(&format!("web_fetch refused {url}: localhost resolves to ")), "{e}");
    assert!(e.ends_with(", a loopback address; fg agent --allow-private-net allows it"), "{e}");
    assert_no_connection(&l);
}

#[test]
fn literal_internal_addresses_are_refused_before_connecting() {
    let w = web(false);
    let cases = [
        ("http://10.0.0.1/", "10.0.0.1 is a private address"),
        ("http://172.16.5.4:8080/", "172.16.5.4 is a private address"),
        ("http://192.168.1.1/admin", "192.168.1.1 is a private address"),
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254 is a cloud metadata address"),
        ("http://100.100.100.200/latest/meta-data", "100.100.100.200 is a cloud metadata address"),
        ("http://[fd00:ec2::254]/latest/meta-data", "fd00:ec2::254 is a cloud metadata address"),
        ("http://169.254.1.1/", "169.254.1.1 is a link-local address"),
        ("http://100.64.0.1/", "100.64.0.1 is a carrier-grade NAT address"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1 is a loopback address"),
        ("http://[::ffff:10.1.2.3]/", "::ffff:10.1.2.3 is a private address"),
        ("http://[::1]:8080/", "::1 is a loopback address"),
        ("http://[fe80::1]/", "fe80::1 is a link-local address"),
        ("http://[fc00::1]/", "fc00::1 is a private (unique local) address"),
        ("http://0.0.0.0:8080/", "0.0.0.0 is the unspecified address"),
        ("http://224.0.0.1/", "224.0.0.1 is a multicast address"),
        ("http://255.255.255.255/", "255.255.255.255 is the broadcast address"),
        // Other spellings of 127.0.0.1 that the URL parser normalises to the literal.
        ("http://2130706433/", "127.0.0.1 is a loopback address"),
        ("http://0x7f.1/", "127.0.0.1 is a loopback address"),
    ];
    let started = Instant::now();
    for (url, why) in cases {
        let e = fetch(&w, url, true).unwrap_err();
        assert!(e.starts_with("web_fetch refused ") && e.ends_with(&format!(": {why}; fg agent --allow-private-net allows it")), "{url}: {e}");
    }
    // A connection attempt to an unrouted address would wait for the timeout; none was made.
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
}

#[test]
fn only_http_and_https_are_fetched() {
    let w = web(true);
    for url in ["ftp://example.com/x", "file:///etc/passwd"] {
        let e = fetch(&w, url, true).unwrap_err();
        assert!(e.starts_with(&format!("web_fetch refused {url}: only http and https URLs can be fetched")), "{e}");
    }
}

/// A server allowed for its first hop (exactly its own address) that redirects to `location`.
fn redirect_once(location: impl Fn(u16) -> String) -> (Web, String, JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let to = location(addr.port());
    let h = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let req = read_request(&mut s);
        s.write_all(format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").as_bytes()).unwrap();
        req
    });
    let w = web(false);
    w.allow_exact(addr);
    (w, format!("http://{addr}/start"), h)
}

#[test]
fn redirect_to_the_metadata_address_is_refused() {
    let (w, url, h) = redirect_once(|_| "http://169.254.169.254/latest/meta-data".into());
    let e = fetch(&w, &url, true).unwrap_err();
    assert_eq!(e, format!("web_fetch refused {url}: it redirects to http://169.254.169.254/latest/meta-data, and 169.254.169.254 is a cloud metadata address; fg agent --allow-private-net allows it"));
    assert!(h.join().unwrap().starts_with("GET /start HTTP/1.1"), "the first hop was not served");
}

#[test]
fn redirect_to_localhost_is_refused_by_the_resolver() {
    // The same port as the allowed first hop: only the literal address is allowed, not a name for it.
    let (w, url, h) = redirect_once(|port| format!("http://localhost:{port}/"));
    let e = fetch(&w, &url, true).unwrap_err();
    assert!(e.starts_with(&format!("web_fetch refused {url}: localhost resolves to ")) && e.contains("a loopback address"), "{e}");
    assert!(h.join().unwrap().starts_with("GET /start HTTP/1.1"), "the first hop was not served");
}

#[test]
fn exact_allowance_is_one_socket_address() {
    let (l, port) = untouched_listener();
    let w = web(false);
    w.allow_exact(SocketAddr::from(([127, 0, 0, 1], port + 1)));
    let e = fetch(&w, &format!("http://127.0.0.1:{port}/"), true).unwrap_err();
    assert!(e.contains("127.0.0.1 is a loopback address"), "{e}");
    assert_no_connection(&l);
}

#[test]
fn redirects_are_followed_at_most_five_times() {
    let (addr, h) = serve_n(6, |s, req| {
        let hop: usize = req.split_whitespace().nth(1).unwrap().trim_start_matches('/').parse().unwrap();
        s.write_all(format!("HTTP/1.1 302 Found\r\nLocation: /{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", hop + 1).as_bytes()).unwrap();
        hop
    });
    let url = format!("http://{addr}/0");
    let e = fetch(&web(true), &url, true).unwrap_err();
    assert_eq!(e, format!("web_fetch refused {url}: it redirects more than 5 times"));
    assert_eq!(h.join().unwrap(), [0, 1, 2, 3, 4, 5]);
}

#[test]
fn a_huge_body_is_cut_while_it_streams() {
    const SIZE: usize = 50 << 20;
    let (addr, h) = serve_n(1, |s, _| {
        s.write_all(format!("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {SIZE}\r\n\r\n").as_bytes()).unwrap();
        let chunk = vec![b'a'; 64 << 10];
        let mut written = 0;
        // Stops when the client hangs up.
        while written < SIZE && s.write_all(&chunk).is_ok() {
            written += chunk.len();
        }
        written
    });
    let started = Instant::now();
    let out = fetch(&web(true), &format!("http://{addr}/big"), false).unwrap();
    let text = out.as_str().unwrap();
    assert!(text.starts_with(&"a".repeat(16_000)), "{}", &text[..100]);
    assert!(text.ends_with(&format!("\n… [cut: the body is {SIZE} bytes; only its first {MAX_BODY} bytes were read]")), "{}", &text[16_000..]);
    let written = h.join().unwrap()[0];
    assert!(written < SIZE / 2, "the server wrote {written} of {SIZE} bytes before the client hung up");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}

#[test]
fn a_long_page_is_cut_to_the_output_limit() {
    let body: &'static str = Box::leak(format!("<p>{}</p>", "é".repeat(10_000)).into_boxed_str());
    let (url, _h) = serve(body, "text/html; charset=utf-8");
    let out = fetch(&web(true), &url, true).unwrap();
    let text = out.as_str().unwrap();
    assert_eq!(text, format!("{}\n… [cut: 20000 bytes in all]", "é".repeat(8_000)));
}

#[test]
fn http_errors_are_reported_with_the_status() {
    let (addr, _h) = serve_n(1, |s, _| s.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").unwrap());
    let url = format!("http://{addr}/missing");
    assert_eq!(fetch(&web(true), &url, true).unwrap_err(), format!("{url} answered HTTP 404 Not Found"));
}

#[test]
fn refused_address_names_every_internal_class() {
    let why = |s: &str| refused_address(s.parse::<IpAddr>().unwrap());
    for (ip, class) in [
        ("127.0.0.1", "a loopback address"),
        ("127.255.255.254", "a loopback address"),
        ("::1", "a loopback address"),
        ("0.0.0.0", "the unspecified address"),
        ("::", "the unspecified address"),
        ("0.1.2.3", "in 0.0.0.0/8 (this network)"),
        ("10.255.0.1", "a private address"),
        ("172.16.0.1", "a private address"),
        ("172.31.255.255", "a private address"),
        ("192.168.0.1", "a private address"),
        ("fc00::1", "a private (unique local) address"),
        ("fdff:ffff::1", "a private (unique local) address"),
        ("169.254.0.1", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("febf::1", "a link-local address"),
        ("100.64.0.1", "a carrier-grade NAT address"),
        ("100.127.255.255", "a carrier-grade NAT address"),
        ("224.0.0.251", "a multicast address"),
        ("239.255.255.250", "a multicast address"),
        ("ff02::1", "a multicast address"),
        ("255.255.255.255", "the broadcast address"),
        ("240.0.0.1", "a reserved address (240.0.0.0/4)"),
        ("169.254.169.254", "a cloud metadata address"),
        ("fd00:ec2::254", "a cloud metadata address"),
        ("100.100.100.200", "a cloud metadata address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("::ffff:169.254.169.254", "a cloud metadata address"),
        ("::ffff:100.64.0.1", "a carrier-grade NAT address"),
        ("::10.0.0.1", "a private address"),
        ("::127.0.0.2", "a loopback address"),
        ("64:ff9b::192.168.0.1", "a private address"),
    ] {
        assert_eq!(why(ip), Some(class), "{ip}");
    }
}

#[test]
fn refused_address_allows_public_addresses() {
    for ip in [
        "8.8.8.8",
        "1.1.1.1",
        "2606:4700::1111",
        "2001:4860:4860::8888",
        "::ffff:8.8.8.8",
        "64:ff9b::8.8.8.8",
        // Just outside the refused ranges.
        "172.15.255.255",
        "172.32.0.0",
        "100.63.255.255",
        "100.128.0.0",
        "169.253.255.255",
        "192.167.255.255",
        "223.255.255.255",
    ] {
        assert_eq!(refused_address(ip.parse().unwrap()), None, "{ip}");
    }
}
