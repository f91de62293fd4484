fn main() {
    let cwd = std::env::current_dir().unwrap_or_else(|_| ".".into());
    // stderr is not locked for the whole run: the progress bar writes to it from worker threads.
    let code = cargo_tenantlint::run_with_terminal(
        std::env::args_os().collect(),
        &cwd,
        &mut std::io::stdout().lock(),
        &mut std::io::stderr(),
        std::io::IsTerminal::is_terminal(&std::io::stderr()),
    );
    std::process::exit(code);
}
