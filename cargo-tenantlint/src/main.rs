fn main() {
    let cwd = std::env::current_dir().unwrap_or_else(|_| ".".into());
    // Unlocked handles: holding stderr's lock for the whole run would deadlock any worker
    // thread (the progress bar, a debugging `eprintln!`) that writes to it.
    let code = cargo_tenantlint::run_with_terminal(
        std::env::args_os().collect(),
        &cwd,
        &mut std::io::stdout(),
        &mut std::io::stderr(),
        &cargo_tenantlint::Terminal::detect(),
    );
    std::process::exit(code);
}
