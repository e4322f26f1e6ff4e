//! Single-core parse + classify + roll-up throughput on FortiGate lines.
//!
//! `cargo run --release -p utm --example throughput [FILE]` — with FILE, its lines are used
//! (plain or gzip); otherwise 64 MB from [`utm::generate::Generator`]. `UTM_BENCH_MB` changes
//! the generated size, `UTM_BENCH_ROUNDS` the number of passes (default 3, the best is shown).
//! `UTM_BENCH_MODE=json` or `ecs` measures the full-event path of `kojo utm parse` instead
//! (`utm::run_parse_with` from a temporary file, output discarded).
//! The full `kojo-bench utm` compares these paths with `wc -l` and syslog-ng.

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
    if let Some(format) = std::env::var("UTM_BENCH_MODE").ok().and_then(|mode| utm::Format::from_code(&mode)) {
        full_events(&text, lines, rounds, format);
        return;
    }
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

/// `kojo utm parse` without the process: every line parsed into an event and written as a JSON
/// line (to a sink, so that only the parse and the writer are measured).
fn full_events(text: &[u8], lines: usize, rounds: usize, format: utm::Format) {
    let path = std::env::temp_dir().join(format!("utm-throughput-{}.log", std::process::id()));
    std::fs::write(&path, text).expect("write temporary file");
    let mut best_cpu = f64::MAX;
    for _ in 0..rounds {
        let start = Instant::now();
        let cpu_start = thread_cpu_seconds();
        let mut output = CountingSink::default();
        let options = utm::ParseOptions { vendor: None, format };
        let summary = utm::run_parse_with(options, std::slice::from_ref(&path), &mut output, &mut std::io::sink())
            .expect("parse");
        let elapsed = start.elapsed().as_secs_f64();
        let cpu = thread_cpu_seconds().zip(cpu_start).map_or(f64::NAN, |(end, start)| end - start);
        best_cpu = best_cpu.min(cpu);
        eprintln!(
            "{format:?}: {elapsed:.3} s ({cpu:.3} s on CPU), {} events, {} unparsed, {:.0} bytes of output per event",
            summary.events,
            summary.unparsed,
            output.bytes as f64 / summary.events.max(1) as f64
        );
    }
    std::fs::remove_file(&path).ok();
    println!("{lines} lines, best on-CPU time {best_cpu:.3} s = {:.0} lines per CPU-second", lines as f64 / best_cpu);
}

#[derive(Default)]
struct CountingSink {
    bytes: u64,
}

impl std::io::Write for CountingSink {
    fn write(&mut self, buffer: &[u8]) -> std::io::Result<usize> {
        self.bytes += buffer.len() as u64;
        Ok(buffer.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Time this thread has spent on a CPU (Linux `schedstat`), so that other load on the machine
/// does not count against the parser.
fn thread_cpu_seconds() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(nanos / 1e9)
}
