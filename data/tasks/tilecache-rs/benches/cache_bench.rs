//! Criterion benchmarks for the memory tier and key hashing.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use tilecache::config::{Config, DiskConfig};
use tilecache::{TileCache, TileKey};

const PAYLOAD: [u8; 512] = [7u8; 512];

fn memory_cache(entries: usize) -> TileCache {
    let mut cfg = Config::default();
    cfg.memory.max_entries = entries;
    cfg.disk = DiskConfig {
        enabled: false,
        ..DiskConfig::default()
    };
    TileCache::open(cfg).unwrap()
}

fn bench_get_hit(c: &mut Criterion) {
    let mut group = c.benchmark_group("get_hit");
    for size in [256usize, 4096, 65_536] {
        let cache = memory_cache(size);
        for x in 0..size as u32 {
            cache.put(TileKey::new("osm", 16, x, 0), &PAYLOAD).unwrap();
        }
        let key = TileKey::new("osm", 16, (size / 2) as u32, 0);
        group.bench_with_input(BenchmarkId::from_parameter(size), &key, |b, k| {
            b.iter(|| cache.get(black_box(k)).unwrap())
        });
    }
    group.finish();
}

fn bench_digest(c: &mut Criterion) {
    let key = TileKey::new("satellite-2023", 18, 140_000, 91_000);
    c.bench_function("key_digest", |b| b.iter(|| black_box(&key).digest()));
}

criterion_group!(benches, bench_get_hit, bench_digest);
criterion_main!(benches);
