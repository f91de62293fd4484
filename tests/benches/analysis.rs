//! The benchmark: the full analysis against the parse-only floor on any folder.
//!
//! ```sh
//! cargo bench -p tenantlint-tests --bench analysis -- PATH [--scale]
//! ```
//!
//! The floor is what any syn-based linter must pay: walk, read, parse every `.rs` file with syn
//! (span locations on) and every SQL-looking string literal and `.sql` file with sqlparser. The
//! full analysis runs every rule with the default configuration. Both run in this process, each
//! three times (the median is reported), on 2 threads and then on 1. Peak memory is the process's
//! peak resident set size during each phase (reset between phases through /proc/self/clear_refs).
//! `--scale` repeats the full analysis on 1x, 2x and 4x copies of the folder to show that cost is
//! linear in code size.
//!
//! `--only full|floor|lowered [--threads N]` runs one of them once and prints its figures: for a
//! profiler, or for timing the two as whole processes in turn under the same load. `--only
//! full` also prints the work units counted (`Report::file_work`) and the three costliest
//! files, to set the per-file cap (`syntax::work::Work::CAP`) against. Both `--only` runs print
//! the peak of live heap bytes too (counted by this binary's allocator), which tells memory the
//! analysis holds from memory the allocator keeps after it was freed.

use lint_core::config::Config;
use lint_core::engine::{self, LintOptions};
use rayon::prelude::*;
use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use syn::visit::Visit;

/// The system allocator, counting live bytes and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

impl Counting {
    fn grew(by: usize) {
        let now = LIVE.fetch_add(by, Ordering::Relaxed) + by;
        PEAK.fetch_max(now, Ordering::Relaxed);
    }
}

// SAFETY: every call is passed to `System` unchanged; the counters only observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            Counting::grew(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            Counting::grew(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            Counting::grew(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The peak of live heap bytes so far, in MiB.
fn peak_heap_mib() -> usize {
    PEAK.load(Ordering::Relaxed) >> 20
}

fn main() {
    let mut args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let scale = args.iter().any(|a| a == "--scale");
    let only = option_value(&mut args, "--only");
    let threads = option_value(&mut args, "--threads").map_or(2, |t| t.parse().unwrap_or(2));
    args.retain(|a| !a.starts_with("--"));
    let Some(path) = args.first().map(PathBuf::from) else {
        eprintln!(
            "usage: cargo bench -p tenantlint-tests --bench analysis -- PATH [--scale] \
             [--only full|floor|lowered [--threads N]]"
        );
        std::process::exit(2);
    };
    let path = std::fs::canonicalize(&path).expect("the folder exists");
    match only.as_deref() {
        Some("full") => {
            let report = full_report(&path, threads);
            println!(
                "full analysis, {threads} threads: {} SQL statements analysed",
                report.summary.sql_statements
            );
            let total: u64 = report.file_work.iter().map(|(_, w)| w).sum();
            println!("work units: {total} in all");
            let mut costly: Vec<&(String, u64)> = report.file_work.iter().collect();
            costly.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            for (file, work) in costly.into_iter().take(3) {
                println!("  {work:>12} {file}");
            }
            println!("peak live heap: {} MiB", peak_heap_mib());
            return;
        }
        Some("floor") => {
            let stats = floor(&path, threads);
            println!(
                "parse-only floor, {threads} threads: {} files, {} lines, {} SQL statements",
                stats.files, stats.lines, stats.sql_statements
            );
            println!("peak live heap: {} MiB", peak_heap_mib());
            return;
        }
        Some("lowered") => {
            let (models, text_bytes) = lowered(&path, threads);
            println!(
                "lowered, {threads} threads: {} Rust files held ({} MiB of source)",
                models.len(),
                text_bytes >> 20
            );
            println!("peak live heap: {} MiB", peak_heap_mib());
            return;
        }
        Some(other) => {
            eprintln!("--only takes `full`, `floor` or `lowered`, not `{other}`");
            std::process::exit(2);
        }
        None => {}
    }

    let (floor_time, floor_mem, stats) = measure(|| floor(&path, 2));
    println!(
        "corpus: {} ({} files, {} lines, {} SQL statements parsed by the floor)",
        path.display(),
        stats.files,
        stats.lines,
        stats.sql_statements
    );
    let (full_time, full_mem, analysed) = measure(|| full(&path, 2));
    let (full_time_1, _, _) = measure(|| full(&path, 1));
    let (floor_time_1, _, _) = measure(|| floor(&path, 1));
    println!(
        "parse-only floor, 2 threads: {:>8.3}s  peak {:>6} MiB",
        secs(floor_time),
        floor_mem
    );
    println!("parse-only floor, 1 thread:  {:>8.3}s", secs(floor_time_1));
    println!(
        "full analysis,    2 threads: {:>8.3}s  peak {:>6} MiB  ({} SQL statements analysed, {:.0}/s)",
        secs(full_time),
        full_mem,
        analysed,
        analysed as f64 / secs(full_time)
    );
    println!("full analysis,    1 thread:  {:>8.3}s", secs(full_time_1));
    println!(
        "ratio full / floor (2 threads):   {:.2}x  (target <= 1.5x)",
        secs(full_time) / secs(floor_time)
    );
    println!(
        "speed-up 1 -> 2 threads (full):   {:.2}x  (target >= 1.8x)",
        secs(full_time_1) / secs(full_time)
    );
    println!(
        "peak memory full / floor:         {:.2}x  (target <= 4x)",
        full_mem as f64 / floor_mem.max(1) as f64
    );

    if scale {
        let dir = tempfile::tempdir().expect("a temporary folder");
        for copies in 1..=4 {
            copy_dir(&path, &dir.path().join(format!("copy{copies}")));
            if copies == 1 || copies == 2 || copies == 4 {
                let (t, m, _) = measure(|| full(dir.path(), 2));
                println!(
                    "scale {copies}x: {:>8.3}s  peak {:>6} MiB  ({:.3}s per copy)",
                    secs(t),
                    m,
                    secs(t) / copies as f64
                );
            }
        }
    }
}

/// Removes `--name VALUE` from the arguments and returns the value.
fn option_value(args: &mut Vec<String>, name: &str) -> Option<String> {
    let at = args.iter().position(|a| a == name)?;
    args.remove(at);
    (at < args.len()).then(|| args.remove(at))
}

struct Stats {
    files: usize,
    lines: usize,
    sql_statements: usize,
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Median wall time of three runs and the peak RSS (MiB) over them.
fn measure<T>(mut f: impl FnMut() -> T) -> (Duration, u64, T) {
    reset_peak_rss();
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..3 {
        let start = Instant::now();
        last = Some(f());
        times.push(start.elapsed());
    }
    times.sort();
    (times[1], peak_rss_mib(), last.expect("ran"))
}

fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn peak_rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(256 << 20)
        .build()
        .expect("a thread pool")
}

fn full(path: &Path, threads: usize) -> usize {
    full_report(path, threads).summary.sql_statements
}

fn full_report(path: &Path, threads: usize) -> engine::Report {
    engine::lint(
        LintOptions {
            paths: vec![path.to_path_buf()],
            root: path.to_path_buf(),
            config: Config::default(),
            threads,
            inline_suppressions: true,
            only_rules: None,
        },
        tenantlint_rules::ALL,
    )
}

struct SqlLiterals(Vec<String>);

impl<'ast> Visit<'ast> for SqlLiterals {
    fn visit_lit_str(&mut self, lit: &'ast syn::LitStr) {
        let value = lit.value();
        if lint_core::sql::looks_like_sql(&value) {
            self.0.push(value);
        }
    }
}

fn floor(path: &Path, threads: usize) -> Stats {
    let (files, _) =
        lint_core::discovery::discover(&[path.to_path_buf()], path, &Config::default());
    let per_file: Vec<(usize, usize)> = pool(threads).install(|| {
        files
            .par_iter()
            .map(|file| {
                let Ok(text) = std::fs::read_to_string(file) else {
                    return (0, 0);
                };
                let lines = text.lines().count();
                let dialect = sqlparser::dialect::PostgreSqlDialect {};
                let parse_sql = |sql: &str| {
                    sqlparser::parser::Parser::parse_sql(&dialect, sql).map_or(0, |s| s.len())
                };
                let statements = if file.extension().is_some_and(|e| e == "sql") {
                    parse_sql(&text)
                } else {
                    let mut literals = SqlLiterals(Vec::new());
                    if let Ok(ast) = syn::parse_file(&text) {
                        literals.visit_file(&ast);
                    }
                    proc_macro2::extra::invalidate_current_thread_spans();
                    literals.0.iter().map(|s| parse_sql(s)).sum()
                };
                (lines, statements)
            })
            .collect()
    });
    Stats {
        files: files.len(),
        lines: per_file.iter().map(|f| f.0).sum(),
        sql_statements: per_file.iter().map(|f| f.1).sum(),
    }
}

/// Every Rust file parsed and lowered, the models held together: the memory the lowered
/// files alone take, beside the facts the full analysis adds. Also the source bytes read.
fn lowered(path: &Path, threads: usize) -> (Vec<lint_core::model::RustFile>, usize) {
    let (files, _) =
        lint_core::discovery::discover(&[path.to_path_buf()], path, &Config::default());
    let read: Vec<(usize, Option<lint_core::model::RustFile>)> = pool(threads).install(|| {
        files
            .par_iter()
            .filter(|file| file.extension().is_some_and(|e| e == "rs"))
            .map(|file| {
                let text = std::fs::read_to_string(file).unwrap_or_default();
                (text.len(), lint_core::parse::parse_rust(&text).ok())
            })
            .collect()
    });
    let bytes = read.iter().map(|(n, _)| n).sum();
    (read.into_iter().filter_map(|(_, m)| m).collect(), bytes)
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).into_iter().flatten() {
        let rel = entry.path().strip_prefix(from).expect("under the root");
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("create a folder");
        } else if entry.file_type().is_file() {
            std::fs::copy(entry.path(), &target).expect("copy a file");
        }
    }
}
