//! Decimal integers between optional bounds as a grammar: no leading zeros, at most 16 digits
//! (llama.cpp's limit on integral parts).

use super::Expr;

/// The largest magnitude with 16 digits.
pub const MAX_MAGNITUDE: u64 = 9_999_999_999_999_999;

/// Integers n with lo <= n <= hi (None: unbounded on that side, up to 16 digits).
pub fn int_range(lo: Option<i64>, hi: Option<i64>) -> Expr {
    let lo = lo.unwrap_or(-(MAX_MAGNITUDE as i64)).max(-(MAX_MAGNITUDE as i64));
    let hi = hi.unwrap_or(MAX_MAGNITUDE as i64).min(MAX_MAGNITUDE as i64);
    if lo > hi {
        // No integer satisfies the bounds: a grammar that matches nothing.
        return Expr::not_class(&[('\0', char::MAX)]);
    }
    let mut alts = Vec::new();
    if lo < 0 {
        // Negative numbers -k, k from max(1, -hi) to -lo.
        let kmin = if hi < 0 { (-hi) as u64 } else { 1 };
        alts.push(Expr::seq(vec![Expr::lit("-"), nonneg(kmin, lo.unsigned_abs())]));
    }
    if hi >= 0 {
        alts.push(nonneg(lo.max(0) as u64, hi as u64));
    }
    Expr::alt(alts)
}

fn digits(n: u64) -> u32 {
    n.checked_ilog10().map_or(1, |d| d + 1)
}

/// Non-negative integers in [a, b], split by digit count.
fn nonneg(a: u64, b: u64) -> Expr {
    let mut alts = Vec::new();
    let mut d = digits(a);
    while d <= digits(b) {
        let block_lo = if d == 1 { 0 } else { 10u64.pow(d - 1) };
        let block_hi = 10u64.pow(d) - 1;
        let lo = a.max(block_lo);
        let hi = b.min(block_hi);
        // Whole blocks of lengths d..d2 (from 10^(d-1), with d >= 2) merge into one repetition.
        if d >= 2 && lo == block_lo && hi == block_hi {
            let mut d2 = d;
            while d2 < digits(b) && b >= 10u64.pow(d2 + 1) - 1 {
                d2 += 1;
            }
            alts.push(Expr::seq(vec![Expr::class(&[('1', '9')]), Expr::Repeat(Box::new(Expr::class(&[('0', '9')])), d - 1, Some(d2 - 1))]));
            d = d2 + 1;
            continue;
        }
        if lo <= hi {
            alts.push(same_len(&format!("{lo:0width$}", width = d as usize), &format!("{hi:0width$}", width = d as usize)));
        }
        d += 1;
    }
    Expr::alt(alts)
}

/// Digit strings of x's length between x and y (same length, x <= y), leading zeros allowed.
fn same_len(x: &str, y: &str) -> Expr {
    if x == y {
        return Expr::lit(x);
    }
    let p = x.bytes().zip(y.bytes()).take_while(|(a, b)| a == b).count();
    let (prefix, x, y) = (&x[..p], &x[p..], &y[p..]);
    let (x0, y0) = (x.as_bytes()[0] as char, y.as_bytes()[0] as char);
    let n = x.len();
    let body = if n == 1 {
        Expr::class(&[(x0, y0)])
    } else {
        let (xr, yr) = (&x[1..], &y[1..]);
        let mut parts = Vec::new();
        let mut start = x0;
        if !xr.bytes().all(|c| c == b'0') {
            parts.push(Expr::seq(vec![Expr::lit(x0.to_string()), same_len(xr, &"9".repeat(n - 1))]));
            start = (x0 as u8 + 1) as char;
        }
        let mut end = y0;
        let mut last = None;
        if !yr.bytes().all(|c| c == b'9') {
            last = Some(Expr::seq(vec![Expr::lit(y0.to_string()), same_len(&"0".repeat(n - 1), yr)]));
            end = (y0 as u8 - 1) as char;
        }
        if start <= end {
            parts.push(Expr::seq(vec![Expr::class(&[(start, end)]), Expr::Repeat(Box::new(Expr::class(&[('0', '9')])), n as u32 - 1, Some(n as u32 - 1))]));
        }
        parts.extend(last);
        Expr::alt(parts)
    };
    Expr::seq(vec![Expr::lit(prefix), body])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `e` matches all of `s` (a tiny backtracking matcher for the IR's int subset).
    fn matches(e: &Expr, s: &str) -> bool {
        ends(e, s, 0).contains(&s.len())
    }

    fn ends(e: &Expr, s: &str, at: usize) -> Vec<usize> {
        match e {
            Expr::Lit(l) => {
                if s[at..].starts_with(l.as_str()) {
                    vec![at + l.len()]
                } else {
                    vec![]
                }
            }
            Expr::Class { negated, ranges } => match s[at..].chars().next() {
                Some(c) if ranges.iter().any(|&(a, b)| a <= c && c <= b) != *negated => vec![at + c.len_utf8()],
                _ => vec![],
            },
            Expr::Seq(items) => items.iter().fold(vec![at], |acc, i| acc.into_iter().flat_map(|p| ends(i, s, p)).collect()),
            Expr::Alt(items) => items.iter().flat_map(|i| ends(i, s, at)).collect(),
            Expr::Repeat(inner, min, max) => {
                let mut out = Vec::new();
                let mut frontier = vec![at];
                for k in 0..=max.unwrap_or(20) {
                    if k >= *min {
                        out.extend(frontier.iter().copied());
                    }
                    frontier = frontier.into_iter().flat_map(|p| ends(inner, s, p)).collect();
                    if frontier.is_empty() {
                        break;
                    }
                }
                out
            }
            _ => unreachable!(),
        }
    }

    #[test]
    fn every_integer_in_a_window_is_classified_correctly() {
        let bounds = [
            (Some(-123), None),
            (Some(456), None),
            (Some(-1), Some(1)),
            (Some(0), Some(1000)),
            (Some(17), Some(4321)),
            (None, Some(-5)),
            (Some(1), Some(50)),
            (Some(1), Some(10)),
            (Some(-300), Some(-7)),
            (None, None),
        ];
        for (lo, hi) in bounds {
            let e = int_range(lo, hi);
            for n in -2000i64..6000 {
                let want = lo.is_none_or(|l| n >= l) && hi.is_none_or(|h| n <= h);
                assert_eq!(matches(&e, &n.to_string()), want, "{n} with bounds {lo:?}..{hi:?}");
            }
            assert!(!matches(&e, "050") && !matches(&e, "-0") && !matches(&e, "00"));
        }
        let any = int_range(None, None);
        assert!(matches(&any, "9999999999999999") && !matches(&any, "10000000000000000"));
    }
}
