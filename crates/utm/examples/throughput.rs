//! Single-core parse + classify + roll-up throughput on FortiGate lines.
//!
//! `cargo run --release -p utm --example throughput [FILE]` — with FILE, its lines are used
//! (plain or gzip); otherwise 64 MB from [`utm::generate::Generator`]. `UTM_BENCH_MB` changes
//! the generated size, `UTM_BENCH_ROUNDS` the number of passes (default 3, the best is shown).
//! The full `kojo-bench utm` compares this path with `wc -l` and syslog-ng.

use std::time::Instant;

use utm::rollup::Rollup;

fn main() {
    let text: Vec<u8> = match std::env::args().nth(1) {
        Some(path) => {
            let mut text = Vec::new();
            for line in utm::framing::LineReader::open(path.as_ref()).expect("open input") {
                text.extend_from_slice(&line.expect("read").bytes);
                text.push(b'\n');
            }
            text
        }
        None => {
            let megabytes: u64 = std::env::var("UTM_BENCH_MB").ok().and_then(|text| text.parse().ok()).unwrap_or(64);
            let mut text = Vec::new();
            utm::generate::Generator::new(1).write_to(&mut text, megabytes << 20).expect("generate");
            text
        }
    };
    let lines = memchr::memchr_iter(b'\n', &text).count();
    let rounds: usize = std::env::var("UTM_BENCH_ROUNDS").ok().and_then(|text| text.parse().ok()).unwrap_or(3);
    let mut best = f64::MAX;
    let mut best_cpu = f64::MAX;
    for _ in 0..rounds {
        let start = Instant::now();
        let cpu_start = thread_cpu_seconds();
        let mut rollup = Rollup::new();
        rollup.add_lines(&text);
        let elapsed = start.elapsed().as_secs_f64();
        let cpu = thread_cpu_seconds().zip(cpu_start).map(|(end, start)| end - start);
        best = best.min(elapsed);
        best_cpu = best_cpu.min(cpu.unwrap_or(f64::MAX));
        eprintln!(
            "{elapsed:.3} s ({:.3} s on CPU): threats {} traffic {} events {} unparsed {} ({} threat rows)",
            cpu.unwrap_or(f64::NAN),
            rollup.threat_total(),
            rollup.traffic_total(),
            rollup.event_total(),
            rollup.unparsed(),
            rollup.threats().len()
        );
    }
    println!(
        "{lines} lines, {:.1} MB, best of {rounds}: {best:.3} s = {:.0} lines/s, {:.0} MB/s (avg line {} B)",
        text.len() as f64 / 1e6,
        lines as f64 / best,
        text.len() as f64 / best / 1e6,
        text.len() / lines.max(1)
    );
    println!(
        "on-CPU time: best {best_cpu:.3} s = {:.0} lines/s, {:.0} MB/s",
        lines as f64 / best_cpu,
        text.len() as f64 / best_cpu / 1e6
    );
}

/// Time this thread has spent on a CPU (Linux `schedstat`), so that other load on the machine
/// does not count against the parser.
fn thread_cpu_seconds() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(nanos / 1e9)
}
