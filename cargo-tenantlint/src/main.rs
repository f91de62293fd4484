fn main() {
    let cwd = std::env::current_dir().unwrap_or_else(|_| ".".into());
    let code = cargo_tenantlint::run(
        std::env::args_os().collect(),
        &cwd,
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    std::process::exit(code);
}
